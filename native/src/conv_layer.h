// One float32 convolution step of a plan (with its fused post-ops) on the CPU backend the library is built for:
// NHWC float32 activations in the plan's buffers. oneDNN on x86-64 (conv_layer_onednn.cpp: weights in the layout
// oneDNN picks, post-ops fused into the primitive), the ARM Compute Library on aarch64 (native/arm/conv_layer_acl.cpp:
// ACL's conv, then the post-ops in one pass of our own).
#pragma once
#include "plan_format.h"
#include "schedule.h"
#include "shapes.h"
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace adabm {

// A conv bound to one input shape's buffers. run() is synchronous; scratchpad: scratchpadBytes of the plan's
// memory (shared by every conv of the plan, which run one at a time).
struct ConvExec {
    struct Bound {
        virtual ~Bound() = default;
        virtual void run(void* scratchpad) = 0;
    };
    std::unique_ptr<Bound> bound;
    size_t scratchpadBytes = 0;
    std::string implementation;

    explicit operator bool() const { return bound != nullptr; }
    void run(void* scratchpad) { bound->run(scratchpad); }
};

// The backend's prepared weights of a plan, keyed by weight blob (and the backend's layout): convs that share one
// weight array (CARN-M) share one prepared copy too. The entries' contents are the backend's own.
struct WeightCache {
    std::vector<std::pair<uint32_t, std::shared_ptr<void>>> entries;
};

class ConvLayer {
public:
    ConvLayer(const PlanDesc& plan, const Step& step, WeightCache& weights);
    // Creates the conv for batch n and the given per-tensor shapes/buffers (index = tensor id).
    ConvExec build(int64_t n, const std::vector<Shape>& shapes, const std::vector<float*>& buffers);

private:
    ConvParams p_;
    uint32_t input_ = 0, output_ = 0;
    const std::vector<float>* weight_;  // OIHW, owned by the plan's PlanDesc
    const std::vector<float>* bias_;
    std::vector<PostOp> post_;
    std::vector<std::vector<float>> postData_;  // per post-op: PReLU slopes; affine scale and shift expanded to outC
    WeightCache& weightCache_;
};

}  // namespace adabm
