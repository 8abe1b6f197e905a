// Assigns activation buffers for one input shape: a tensor takes a free buffer once its producer runs and gives
// it back after its last reader, so memory stays near the peak of simultaneously live tensors.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

namespace adabm {

struct FreeDeleter { void operator()(void* p) const { std::free(p); } };
using AlignedBuffer = std::unique_ptr<float, FreeDeleter>;

// 64-byte aligned, for AVX-512 loads; throws std::bad_alloc.
AlignedBuffer allocate_floats(size_t count);

class BufferPlanner {
public:
    // Returns the slot for a tensor of `floats` elements (best fit among free slots, else a grown or new one).
    size_t acquire(size_t floats);
    void release(size_t slot);
    // Allocates every slot at its final size.
    std::vector<AlignedBuffer> allocate() const;
    size_t total_floats() const;

private:
    std::vector<size_t> capacity_;
    std::vector<bool> busy_;
};

}  // namespace adabm
