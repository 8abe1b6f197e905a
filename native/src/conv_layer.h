// One convolution step (with its fused post-ops) on oneDNN: NHWC float32 activations, weights in the layout
// oneDNN picks (format_tag::any), reordered once per distinct layout and cached for the plan's lifetime.
#pragma once
#include "plan_format.h"
#include "schedule.h"
#include "shapes.h"
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <utility>
#include <vector>

namespace adabm {

// A primitive bound to one input shape's buffers; DNNL_ARG_SCRATCHPAD is added by the caller.
struct ConvExec {
    dnnl::primitive primitive;
    std::unordered_map<int, dnnl::memory> args;
    size_t scratchpadBytes = 0;
    std::string implementation;
};

// Reordered weights of a plan, keyed by (weight blob, oneDNN layout): convs that share one weight array (CARN-M)
// share one reordered copy too.
struct WeightCache {
    struct Entry {
        uint32_t blob;
        dnnl::memory::desc desc;
        dnnl::memory memory;
    };
    std::vector<Entry> entries;
};

class ConvLayer {
public:
    ConvLayer(const PlanDesc& plan, const Step& step, WeightCache& weights);

    // Creates the primitive for batch n and the given per-tensor shapes/buffers (index = tensor id).
    ConvExec build(const dnnl::engine& engine, dnnl::stream& stream, int64_t n, const std::vector<Shape>& shapes,
                   const std::vector<float*>& buffers);

private:
    dnnl::memory weights_for(const dnnl::memory::desc& want, const dnnl::engine& engine, dnnl::stream& stream);

    ConvParams p_;
    uint32_t input_ = 0, output_ = 0;
    const std::vector<float>* weight_;  // OIHW, owned by the plan's PlanDesc
    const std::vector<float>* bias_;
    std::vector<PostOp> post_;
    std::vector<std::vector<float>> postData_;  // per post-op: per-channel operands (expanded to outC)
    WeightCache& weightCache_;
};

}  // namespace adabm
