#include "buffer_pool.h"
#include <new>

namespace adabm {

AlignedBuffer allocate_floats(size_t count) {
    size_t bytes = ((count ? count : 1) * sizeof(float) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    return AlignedBuffer(static_cast<float*>(p));
}

size_t BufferPlanner::acquire(size_t floats) {
    size_t best = SIZE_MAX, largest = SIZE_MAX;
    for (size_t i = 0; i < capacity_.size(); i++) {
        if (busy_[i]) continue;
        if (capacity_[i] >= floats && (best == SIZE_MAX || capacity_[i] < capacity_[best])) best = i;
        if (largest == SIZE_MAX || capacity_[i] > capacity_[largest]) largest = i;
    }
    size_t slot = best != SIZE_MAX ? best : largest;
    if (slot == SIZE_MAX) {
        slot = capacity_.size();
        capacity_.push_back(0);
        busy_.push_back(false);
    }
    if (capacity_[slot] < floats) capacity_[slot] = floats;
    busy_[slot] = true;
    return slot;
}

void BufferPlanner::release(size_t slot) { busy_[slot] = false; }

std::vector<AlignedBuffer> BufferPlanner::allocate() const {
    std::vector<AlignedBuffer> out;
    for (size_t c : capacity_) out.push_back(allocate_floats(c));
    return out;
}

std::vector<AlignedBuffer> BufferPlanner::allocate(BufferReserve& reserve, std::vector<size_t>& capacities) const {
    std::vector<AlignedBuffer> out;
    capacities.assign(capacity_.size(), 0);
    for (size_t i = 0; i < capacity_.size(); i++) out.push_back(reserve.take(capacity_[i], &capacities[i]));
    return out;
}

AlignedBuffer BufferReserve::take(size_t floats, size_t* capacity) {
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < buffers_.size(); i++)
        if (capacity_[i] >= floats && (best == SIZE_MAX || capacity_[i] < capacity_[best])) best = i;
    if (best == SIZE_MAX) {
        *capacity = floats;
        return allocate_floats(floats);
    }
    AlignedBuffer b = std::move(buffers_[best]);
    *capacity = capacity_[best];
    buffers_.erase(buffers_.begin() + long(best));
    capacity_.erase(capacity_.begin() + long(best));
    return b;
}

void BufferReserve::give(AlignedBuffer buffer, size_t capacity, size_t limit) {
    if (!buffer) return;
    buffers_.push_back(std::move(buffer));
    capacity_.push_back(capacity);
    size_t total = 0;
    for (size_t c : capacity_) total += c;
    while (total > limit && !buffers_.empty()) {
        size_t smallest = 0;
        for (size_t i = 1; i < capacity_.size(); i++)
            if (capacity_[i] < capacity_[smallest]) smallest = i;
        total -= capacity_[smallest];
        buffers_.erase(buffers_.begin() + long(smallest));
        capacity_.erase(capacity_.begin() + long(smallest));
    }
}

size_t BufferPlanner::total_floats() const {
    size_t t = 0;
    for (size_t c : capacity_) t += c;
    return t;
}

}  // namespace adabm
