// Single float32 convolutions and their two backward passes (stride 1, zero padding, groups) for fake-quantized
// execution and fine-tuning: the weight comes with every call (it changes between fine-tuning steps), weights are
// OIHW and activations NCHW or, per call, channels last (NHWC) in caller memory. For NCHW oneDNN picks its own
// blocked layouts (format_tag::any) and cached reorders move the caller's tensors in and out; channels-last forward
// and backward-data run oneDNN on the caller's memory directly (no reorders), backward-weights keeps the faster
// blocked kernel behind reorders. Primitives are cached per input shape (N, H, W, layout) in a small LRU per conv.
// The blocked copies and oneDNN's scratchpad live in a workspace shared by all convs of one owner: calls run one
// at a time, so one set of buffers (as large as the largest shape seen) serves every conv.
#pragma once
#include "buffer_pool.h"
#include <oneapi/dnnl/dnnl.hpp>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace adabm {

class FloatWorkspace {
public:
    static constexpr uint64_t kLiveTag = 0x6164616266777370ull;
    // the blocked copy of: the first activation operand, the second one (backward weights), the weight, the output
    enum Slot { kInput = 0, kSecondInput, kWeight, kOutput, kScratchpad, kSlots };

    explicit FloatWorkspace(int threads);
    ~FloatWorkspace() { liveTag = 0; }

    // A 64-byte aligned buffer of at least `bytes` for slot (grown, contents dropped, when too small).
    void* slot(Slot s, size_t bytes);
    size_t bytes_held() const;

    dnnl::engine engine;
    dnnl::stream stream;
    const int threads;
    int liveConvs = 0;   // convs created on this workspace and not destroyed yet
    uint64_t liveTag = kLiveTag;

private:
    AlignedBuffer buffers_[kSlots];
    size_t sizes_[kSlots] = {};
};

struct FloatConvShape {
    int64_t inC = 0, outC = 0, kh = 0, kw = 0, padT = 0, padL = 0, padB = 0, padR = 0, groups = 1;
};

class FloatConv {
public:
    static constexpr uint64_t kLiveTag = 0x6164616266636f6eull;
    static constexpr size_t kMaxCachedShapes = 4;

    FloatConv(FloatWorkspace& ws, const FloatConvShape& shape);
    ~FloatConv();
    FloatConv(const FloatConv&) = delete;
    FloatConv& operator=(const FloatConv&) = delete;

    void output_size(int64_t h, int64_t w, int64_t* ho, int64_t* wo) const;
    const FloatConvShape& shape() const { return s_; }
    size_t weight_count() const { return size_t(s_.outC * (s_.inC / s_.groups) * s_.kh * s_.kw); }

    // dst (n x outC x ho x wo) = conv(src (n x inC x h x w), weight) + bias; activations NHWC when channelsLast
    void forward(int64_t n, int64_t h, int64_t w, bool channelsLast, const float* src, const float* weight, const float* bias, float* dst);
    // diffSrc (n x inC x h x w) for diffDst (n x outC x ho x wo)
    void backward_data(int64_t n, int64_t h, int64_t w, bool channelsLast, const float* diffDst, const float* weight, float* diffSrc);
    // diffWeight (OIHW, summed over the batch) for src (n x inC x h x w) and diffDst (n x outC x ho x wo)
    void backward_weights(int64_t n, int64_t h, int64_t w, bool channelsLast, const float* src, const float* diffDst, float* diffWeight);

    // oneDNN implementations of the passes run last ("fwd: ...\nbwd_data: ...\nbwd_weights: ...")
    std::string implementation() const;
    size_t cached_shapes() const { return shapes_.size(); }

    uint64_t liveTag = kLiveTag;

private:
    struct ShapeState;
    ShapeState& state_for(int64_t n, int64_t h, int64_t w, bool channelsLast);
    dnnl::memory::desc weight_desc(dnnl::memory::format_tag tag) const;
    dnnl::memory staged_in(ShapeState& st, const dnnl::memory::desc& user, const dnnl::memory::desc& inner,
                           const void* data, FloatWorkspace::Slot slot);
    void execute(ShapeState& st, dnnl::primitive& p, const dnnl::memory::desc& scratch,
                 std::unordered_map<int, dnnl::memory>& args);
    void finish_out(ShapeState& st, const dnnl::memory& inner, const dnnl::memory::desc& user, void* data);

    FloatWorkspace& ws_;
    FloatConvShape s_;
    std::list<std::unique_ptr<ShapeState>> shapes_;  // most recently used first
    std::string fwdImpl_, dataImpl_, weightsImpl_;
};

}  // namespace adabm
