// A compiled network: the parsed description, its step schedule, one ConvLayer per conv step, and a small
// LRU of per-input-shape state (primitives bound to buffers) so repeated and tiled runs reuse everything.
#pragma once
#include "buffer_pool.h"
#include "conv_layer.h"
#include "plan_format.h"
#include "schedule.h"
#include "shapes.h"
#include "step_profile.h"
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace adabm {

class Plan {
public:
    static constexpr size_t kMaxCachedShapes = 4;
    // Older shapes' buffers are dropped once the cached states hold more than this (the newest always stays).
    static constexpr size_t kCacheBudgetBytes = size_t(1) << 30;
    static constexpr uint64_t kLiveTag = 0x6164616261706c6eull;

    Plan(PlanDesc desc, int threads);

    // Output [n, c, h, w] for an input of that shape; throws ShapeError.
    void output_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4]) const;
    void run(const float* in, int64_t n, int64_t c, int64_t h, int64_t w, float* out, size_t outCapacity);
    size_t cached_shapes() const { return shapes_.size(); }
    // oneDNN implementation names of the convs of the most recently run shape, one per line
    std::string implementations() const;
    // per-step times of the last run while profiling is on (step_profile.h)
    StepProfiler& profiler() { return profiler_; }

    uint64_t liveTag = kLiveTag;  // cleared on destruction, to catch a stale handle early

private:
    struct ShapeState;
    ShapeState& state_for(int64_t n, int64_t h, int64_t w);
    std::unique_ptr<ShapeState> build_state(int64_t n, int64_t h, int64_t w);
    void run_step(ShapeState& st, size_t k);
    void run_profiled(ShapeState& st, const float* in, float* out);

    PlanDesc desc_;
    Schedule schedule_;
    int threads_;
    WeightCache weights_;                            // declared before convs_, which refer to it
    std::vector<std::unique_ptr<ConvLayer>> convs_;  // per step; null for non-conv steps
    std::list<std::unique_ptr<ShapeState>> shapes_;  // most recently used first
    StepProfiler profiler_;

public:
    ~Plan();
};

}  // namespace adabm
