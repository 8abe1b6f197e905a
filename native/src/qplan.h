// A whole fake-quantized network run in integers (ADABM.md §8): a version-2 plan description whose convs carry
// their quantizers. Every quantized conv is a QuantConv (u8 codes x s8 weights, exact values, exact border ring and
// bw = 8 split); the float ops right after it (ReLU, PReLU, affine, add, sub) run in its epilogue, and its codes
// come straight from the previous quantized conv (fused requantization, also through those ops or a pixel shuffle)
// or from a quantize pass over a float tensor. Everything else (float convs of body mode, concats, pixel shuffles,
// ...) runs in float32 NHWC in the same plan (exactly where it feeds a quantizer, exact_float_conv.h); chains of
// those ops, with the quantize passes that read their result, run as single passes (fused_chain.h). Primitives are
// built once per input shape; the activation bits of each run only change runtime values. Not thread-safe: one run
// at a time. profiler() times each step when turned on (step_profile.h).
#pragma once
#include "buffer_pool.h"
#include "conv_layer.h"
#include "exact_float_conv.h"
#include "int8_conv.h"
#include "plan_format.h"
#include "shapes.h"
#include "step_profile.h"
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace adabm {

class QuantPlan {
public:
    static constexpr size_t kMaxCachedShapes = 2;
    static constexpr uint64_t kLiveTag = 0x6164616271706c6eull;

    // directCodes: quantized convs followed by another one write its u8 codes straight from oneDNN (runtime scales,
    // a clip post-op; faster) instead of float values requantized by Java's formula, operation for operation.
    // Both are exact integer convs; they differ only where a value lands exactly on a rounding tie of the next
    // quantizer in float32, which the direct path may round the other way - and in a deep network one such code
    // moves many later ones. Off: the output follows the fake-quant forward's rounding (ADABM.md §8 exactness).
    // fuse: runs chains of non-conv ops (and the quantize passes after them) as single passes (fused_chain.h); off:
    // every op and quantize pass on its own (the reference that fusion must match bit for bit).
    QuantPlan(PlanDesc desc, int threads, bool directCodes, bool fuse = true);
    ~QuantPlan();

    void output_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4]) const;
    // bits[i]: activation bits (2..8) of op i when it is a quantized conv; other entries are ignored.
    void run(const float* in, int64_t n, int64_t c, int64_t h, int64_t w, const int32_t* bits, size_t bitsLen,
             float* out, size_t outCapacity);
    size_t cached_shapes() const { return shapes_.size(); }
    // one line per conv of the most recently run shape: "op <i> int8|fp32: <oneDNN implementation>"
    std::string implementations() const;
    // per-step times of the last run while profiling is on
    StepProfiler& profiler() { return profiler_; }

    uint64_t liveTag = kLiveTag;

private:
    // Quantize: float tensor -> a conv's input codes; ShuffleCodes: a pixel shuffle of codes (the conv before it
    // requantized to the next conv's quantizer, which commutes with the permutation)
    // Chain: non-conv ops and quantize passes in one pass (fused_chain.h)
    enum class StepKind { Quantize, QConv, FConv, Simple, ShuffleCodes, Chain };
    struct QStep {
        StepKind kind = StepKind::Simple;
        size_t op = 0;                  // the op run; for Quantize and ShuffleCodes, the conv whose input codes it makes
        int requantTo = -1;             // QConv: the conv whose codes it writes (-1: float output)
        bool requantRelu = false;       // ... through a ReLU
        bool requantShuffled = false;   // ... before the pixel shuffle in front of that conv
        int alsoCodesFor = -1;          // QConv with a float output: the quantized conv whose input codes it also writes
        std::vector<size_t> chain;      // Chain: its ops, in order (op = the last); each but the last has one reader, the
                                        // next. QConv: the ops its epilogue runs after it, likewise
        std::vector<size_t> sinks;      // Chain: the quantized convs whose input codes it writes
        bool chainFloat = false;        // Chain: the float result is stored (someone else reads it)
        std::vector<size_t> reads;      // buffer ids (see codes_id)
        std::vector<size_t> writes;
    };
    struct ShapeState;
    struct ChainExec;

    // buffer ids: tensor t's floats = t; a quantized conv's input codes; its codes before a pixel shuffle
    size_t codes_id(size_t convOp) const { return desc_.tensorCount() + convOp; }
    size_t shuffled_id(size_t convOp) const { return desc_.tensorCount() + desc_.ops.size() + convOp; }
    void analyse();
    std::unique_ptr<ShapeState> build_state(int64_t n, int64_t h, int64_t w);
    // a float tensor that quantized conv step k may write its float result over (SIZE_MAX: none; see build_state)
    template <typename FloatsOf>
    size_t in_place_operand(const QStep& step, size_t k, const FloatsOf& floats_of) const;
    ShapeState& state_for(int64_t n, int64_t h, int64_t w);
    ChainExec build_chain(const ShapeState& st, const QStep& step) const;
    // the stages of step.chain[from..] (a Chain step's, or the ops in a QConv's epilogue) over this shape's buffers
    std::vector<ChainStage> build_stages(const ShapeState& st, const QStep& step, size_t from) const;
    void run_step(ShapeState& st, const QStep& step, const int32_t* bits);
    void record(const ShapeState& st, const QStep& step, StepProfiler::Clock::time_point since);
    std::string chain_text(const QStep& step) const;

    PlanDesc desc_;
    int threads_;
    bool directCodes_;
    bool fuse_;
    WeightCache weights_;
    std::vector<QStep> steps_;
    std::vector<int64_t> lastUse_;                    // per buffer id
    std::vector<int> shuffleFor_;                     // per quantized conv: the pixel shuffle its codes pass (-1: none)
    std::vector<std::unique_ptr<QuantConv>> qconvs_;  // per op; null unless a quantized conv
    std::vector<std::unique_ptr<ConvLayer>> fconvs_;  // per op; null unless a float conv
    std::vector<std::unique_ptr<ExactFloatConv>> exactFconvs_;  // per op; set for float convs that feed a quantizer
    std::list<std::unique_ptr<ShapeState>> shapes_;   // most recently used first
    BufferReserve reserve_;                           // memory of dropped shapes, for the next ones
    size_t reserveLimit_ = 0;                         // floats: the largest dropped state's memory
    AlignedBuffer accScratch_;                        // s32 accumulators of whichever quantized conv runs, any shape
    size_t accScratchCount_ = 0;
    StepProfiler profiler_;
};

}  // namespace adabm
