// A whole network on the GPU (adabm_gpu.h): the plan description's ops as steps, each a kernel launch whose
// epilogue writes the float result where something reads it as float, and the u8 codes of every quantized conv that
// reads it (so no separate quantize pass exists). A conv absorbs the element-wise ops that follow it (ReLU, PReLU,
// affine, residual add/sub) as epilogue stages, and its codes go through a following pixel shuffle straight into the
// next conv's input. Per input shape (an LRU of two): tensor shapes, device buffers reused by liveness, and every
// kernel's arguments, so a run is only launches. Not thread-safe: one run at a time (its own stream).
#pragma once
#include "adabm_gpu.h"
#include "device_memory.h"
#include "gpu_kernels.h"
#include "../src/plan_format.h"
#include "../src/shapes.h"
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace adabm::gpu {

class GpuPlan {
public:
    static constexpr uint64_t kLiveTag = 0x6164616267706c6eull;
    static constexpr size_t kMaxCachedShapes = 2;

    GpuPlan(PlanDesc desc, bool floatOnly);
    ~GpuPlan();

    void output_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4]) const;
    void run(const float* in, int64_t n, int64_t c, int64_t h, int64_t w, const int32_t* bits, size_t bitsLen,
             const adabm_gpu_bitmap* map, float* out, size_t outCapacity, adabm_gpu_image_info* info);
    void last_times(double* h2d, double* compute, double* d2h) const { *h2d = h2dMs_; *compute = computeMs_; *d2h = d2hMs_; }
    void set_profiling(bool on) { profiling_ = on; profile_.clear(); }
    const std::vector<adabm_step_time>& profile() const { return profile_; }
    double int8_macs() const { return int8Macs_; }

    uint64_t liveTag = kLiveTag;

private:
    enum class StepKind { Input, QConv, FConv, Head };
    struct Step {
        StepKind kind = StepKind::Head;
        int op = -1;                   // the conv or the op of the head (-1: the plan input)
        std::vector<int> chain;        // ops absorbed after a conv, in order
        int outTensor = 0;             // tensor id of the final value
        bool storeFloat = false;
        std::vector<int> sinks;        // quantized convs whose input codes this step writes
        int shuffleOp = -1;            // a depth-to-space the codes go through (skipped as an op)
        std::vector<size_t> reads, writes;  // buffer ids: tensor t's floats = t, conv op c's codes = tensorCount + c
    };
    struct QuantWeights;
    struct FloatWeights;
    struct OpParams;
    struct ShapeState;

    void analyse();
    std::vector<int> readers(size_t tensor) const;
    bool quantized(size_t op) const;
    void decide_outputs(Step& step, std::vector<bool>& skipped);
    void prepare_weights();
    std::unique_ptr<ShapeState> build_state(int64_t n, int64_t h, int64_t w);
    ShapeState& state_for(int64_t n, int64_t h, int64_t w);
    Epilogue epilogue_for(const Step& step, ShapeState& st) const;
    void launch_step(const Step& step, ShapeState& st, size_t index);
    std::string step_text(const Step& step) const;

    PlanDesc desc_;
    bool floatOnly_;
    int smCount_ = 0;
    size_t maxSmem_ = 0;  // dynamic shared memory a block may opt into
    cudaStream_t stream_ = nullptr;
    std::vector<Step> steps_;
    std::vector<std::unique_ptr<QuantWeights>> qweights_;   // per op; set for quantized convs
    std::vector<std::unique_ptr<FloatWeights>> fweights_;   // per op; set for float convs
    std::vector<std::unique_ptr<OpParams>> params_;         // per op: per-channel operands on the device (lazy)
    std::list<std::unique_ptr<ShapeState>> shapes_;         // most recently used first
    PinnedBuffer stagingIn_, stagingOut_, stagingBits_, stagingInfo_;
    bool hasQuantized_ = false;            // runs then need bits or a bit map
    std::vector<int32_t> mapBitsHost_;     // the bit map's table as last uploaded ...
    DeviceBuffer mapBits_;                 // ... and on the device
    bool profiling_ = false;
    std::vector<adabm_step_time> profile_;
    double h2dMs_ = 0, computeMs_ = 0, d2hMs_ = 0, int8Macs_ = 0;
};

}  // namespace adabm::gpu
