// Per-input-shape state (a struct with n, h, w) kept most recently used first. find_shape moves a hit to the front;
// on a miss it drops the oldest entry when `capacity` are held, before the caller builds and pushes the new one
// (freeing first bounds the peak memory).
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>

namespace adabm {

template <typename State>
State* find_shape(std::list<std::unique_ptr<State>>& states, int64_t n, int64_t h, int64_t w, size_t capacity) {
    for (auto it = states.begin(); it != states.end(); ++it)
        if ((*it)->n == n && (*it)->h == h && (*it)->w == w) {
            states.splice(states.begin(), states, it);
            return states.front().get();
        }
    if (states.size() >= capacity) states.pop_back();
    return nullptr;
}

}  // namespace adabm
