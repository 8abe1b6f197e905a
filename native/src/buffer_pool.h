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

// Buffers a plan keeps when an input shape's state is dropped, handed to the next shape's state: a server that sees
// ever-changing image sizes then reuses memory it has touched instead of page-faulting fresh allocations on every
// new shape (that was 2-3x the run time of EDSR-8 on a 256x256 image).
class BufferReserve {
public:
    // the smallest kept buffer of at least `floats` elements, else a new one
    AlignedBuffer take(size_t floats, size_t* capacity);
    // keeps it while the reserve holds at most `limit` floats in all (dropping the smallest first)
    void give(AlignedBuffer buffer, size_t capacity, size_t limit);

private:
    std::vector<AlignedBuffer> buffers_;
    std::vector<size_t> capacity_;
};

class BufferPlanner {
public:
    // Returns the slot for a tensor of `floats` elements (best fit among free slots, else a grown or new one).
    size_t acquire(size_t floats);
    void release(size_t slot);
    // Allocates every slot at its final size.
    std::vector<AlignedBuffer> allocate() const;
    // The same from a reserve; capacities[i] receives slot i's buffer's capacity.
    std::vector<AlignedBuffer> allocate(BufferReserve& reserve, std::vector<size_t>& capacities) const;
    size_t total_floats() const;

private:
    std::vector<size_t> capacity_;
    std::vector<bool> busy_;
};

}  // namespace adabm
