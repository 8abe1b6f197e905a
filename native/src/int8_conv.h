// An exact integer version of a fake-quantized convolution (ADABM.md §2 and §8), stride 1, groups allowed:
//   xq = l + s_a*q    (q: u8 activation codes, s_a = (u-l)/(2^b-1); the padding is real 0.0, not a code)
//   wq = s_w*c        (c = 2k - (2^bw-1), k the weight code, s_w = uw/(2^bw-1))
//   out = s_a*s_w*conv(q, c) + s_w*l*S_in + bias,   S_in = sum of c over the taps inside the image.
// The CPU backend runs conv(q, c) as u8 x s8 -> s32 with NHWC activations (code 0 pads: it adds nothing): oneDNN
// on x86-64 (int8_conv_onednn.cpp), the ARM Compute Library's GEMMLowp on aarch64 (native/arm/int8_conv_acl.cpp);
// the epilogue (int8_epilogue.h) evaluates the rest in double and rounds once, so the float value is the exact one
// rounded to float32 - bit for bit what the Java oracle computes, on either backend. bw = 8 codes (odd, up to +-255)
// do not fit s8: c = 2(k-128) + 1, so the backend convolves k-128 and the epilogue adds the sum of q under the window.
// oneDNN only: the fast direct path (run(..., allowDirect), bw <= 7, an output interior exists): oneDNN writes the
// next layer's u8 codes itself (runtime scales, a src zero point, a constant clip post-op: float32 inside oneDNN, so
// a value on a rounding tie may go either way), and small exact convs over the four border strips overwrite the ring.
// Without VNNI, oneDNN's int8 kernels add product pairs in saturating s16; where 2*(2^b-1)*max|code| could pass
// 32767 the codes are split, q = 2*(q>>1) + (q&1), and the two halves convolved - twice the work, still exact.
// Codes above 2^b-1 are the caller's risk there.
// One primitive per input shape (and path) serves every bit width; weight bits re-quantize the weights. Shared by
// both backends (int8_conv.cpp): the checks, the weight codes and tap sums, and the epilogue.
#pragma once
#include "buffer_pool.h"
#include "int8_epilogue.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace adabm {

struct QuantConvShape {
    int64_t inC = 0, outC = 0, kh = 0, kw = 0, padT = 0, padL = 0, padB = 0, padR = 0, groups = 1;
};

// The next layer's activation quantizer, for fused requantization of the output; relu: a ReLU sits between this
// conv and the next one (the codes are those of clamp(relu(v), l, u)).
struct Requantizer {
    float l = 0, u = 0;
    int bits = 0;
    bool relu = false;
};

class QuantConv {
public:
    static constexpr uint64_t kLiveTag = 0x6164616271636f6eull;
    static constexpr size_t kMaxCachedShapes = 4;

    // weight: OIHW float32 (O x inC/groups x kh x kw), bias: O floats; both copied.
    QuantConv(const QuantConvShape& shape, const float* weight, const float* bias, int threads);
    ~QuantConv();

    // Quantizes the weights symmetrically to bw bits with bound uw (ADABM.md §2): every later run uses them.
    void set_weight_bits(float uw, int bw);

    void output_size(int64_t h, int64_t w, int64_t* ho, int64_t* wo) const;
    const QuantConvShape& shape() const { return s_; }

    // codes: n x h x w x inC u8 (NHWC), each <= 2^bits-1. out (NHWC float32, n x ho x wo x outC) may be null when
    // codesOut is given; codesOut (same layout, u8) is written only if next is non-null. stages: float ops applied to
    // the conv's value before out and codes (int8_epilogue.h). allowDirect: codes only, without stages, may take
    // the fast direct path where it applies (see above). accScratch: room for acc_count(n, h, w) s32 accumulators
    // (null: the conv keeps its own per shape); a plan shares one between its convs, which run one at a time.
    void run(const uint8_t* codes, int64_t n, int64_t h, int64_t w, float l, float u, int bits, float* out,
             uint8_t* codesOut, const Requantizer* next, bool allowDirect, const std::vector<ChainStage>& stages = {},
             int32_t* accScratch = nullptr);
    size_t acc_count(int64_t n, int64_t h, int64_t w) const {
        int64_t ho, wo;
        output_size(h, w, &ho, &wo);
        return size_t(n * ho * wo * s_.outC);
    }

    // the backend's implementation of the most recently run shape ("" before the first run)
    const std::string& implementation() const { return lastImpl_; }

    uint64_t liveTag = kLiveTag;

private:
    // what every backend's per-input-shape state holds; each backend's ShapeState derives from it
    struct ShapeCommon {
        int64_t n = 0, h = 0, w = 0, ho = 0, wo = 0;
        AlignedBuffer acc;               // s32 accumulators, when the caller brings no scratch
        std::vector<int64_t> integral;   // bw = 8 window sums
    };
    struct ShapeState;  // per input shape; each backend's own
    struct Engine;      // the backend's state (its shapes, prepared weights, scratch), made by weights_changed()
    struct EngineDeleter { void operator()(Engine* e) const; };  // defined where Engine is

    // per backend
    ShapeState& state_for(int64_t n, int64_t h, int64_t w);
    void weights_changed();  // after set_weight_bits: primitiveCodes_ and tapPrefix_ are new

    // shared (int8_conv.cpp)
    // a new shape's geometry (after check_run); throws ShapeError when one run's buffers would be too large
    void init_shape(ShapeCommon& st, int64_t n, int64_t h, int64_t w) const;
    // where the run's s32 accumulators go: the caller's scratch, else the shape's own (made on first use)
    int32_t* accumulators(ShapeCommon& st, int32_t* scratch) const;
    // the activation step in float32 as Java's Quantizers computes it ((u - l)/n, rounded once): the fake-quant grid
    static float activation_step(float l, float u, int bits) { return (u - l) / float((int64_t(1) << bits) - 1); }
    void check_run(const uint8_t* codes, int64_t n, float l, float u, int bits, const float* out,
                   const uint8_t* codesOut, const Requantizer* next) const;
    // the epilogue of one run over the shape (its window sums too, for bw = 8)
    QuantEpilogue epilogue(ShapeCommon& st, float l, float sa, const uint8_t* codes, const Requantizer* next,
                           uint8_t* codesOut);

    QuantConvShape s_;
    int threads_;
    std::vector<float> weight_, bias_;

    // current weight quantization
    int bw_ = 0;
    double sw_ = 0;
    std::vector<int8_t> primitiveCodes_;         // what the backend convolves: c (bw <= 7) or k - 128 (bw = 8)
    int64_t maxAbsCode_ = 0;
    std::vector<int64_t> tapPrefix_;             // per output channel, (kh+1) x (kw+1) prefix sums of tap sums of c

    std::unique_ptr<Engine, EngineDeleter> engine_;
    std::vector<CodeSink> sinks_;                    // the current run's requantization (epilogue)
    std::string lastImpl_;
};

}  // namespace adabm
