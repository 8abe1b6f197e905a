// The int8 conv epilogue (int8_epilogue.h) in one pass through AVX-512 registers: each vector of 16 channels goes
// from its s32 accumulators through the double expression, the fused stages and every quantizer without being
// stored in between. The portable path makes three passes (values, stages, codes) over a row of floats; this one
// reads the accumulators, the stage operands and writes the results once each.
//
// Exactness: the same IEEE operations in the same order as the portable path (values_of, fused_chain.cpp's
// apply_stage, activation_codes_run): double multiply then add, one rounding to float32 with round-to-nearest-even
// given explicitly; stages in float32 with no FMA (-ffp-contract=off, separate multiply and add intrinsics);
// max / min with the operand order that sends a NaN to the lower bound; the quantizer's correctly rounded division
// kept; and rint of t in [0, 255] by a round-to-nearest-even conversion, which equals (t + 2^23) - 2^23 there.
// Int8EpilogueFastPathTest compares the two paths bit for bit, and both with Java's formulas.
#pragma once
#include "fused_chain.h"
#include <cstdint>
#include <vector>

namespace adabm {

// the stages and sinks decoded once per epilogue into plain pointers
struct FastStage {
    ChainStage::Kind kind = ChainStage::Kind::Affine;
    const float* a = nullptr;          // Affine scale, PRelu slopes (per channel)
    const float* b = nullptr;          // Affine shift
    const float* other = nullptr;      // Add, Sub: the operand, addressed in the whole output
    bool valueFirst = true;
    bool uniform = false;              // PRelu: one slope, a[0]
};

struct FastSink {
    uint8_t* codes = nullptr;          // addressed in the whole output
    float l = 0, u = 0, lower = 0, range = 0, levels = 0;
};

struct FastBlock {
    const int32_t* acc = nullptr;      // pixels * outC accumulators
    const int32_t* low = nullptr;      // pre-VNNI split's low half, or null
    const int32_t* pixelWindows = nullptr;  // bw = 8 only: per pixel, one window sum per group (pixels x groups)
    int64_t groupChannels = 0;         // output channels per group (a multiple of 16; below 16, one group)
    const double* base = nullptr;      // per channel
    double scale = 0;
    int64_t pixels = 0, outC = 0;
    int64_t off = 0;                   // element offset of the first value in the whole output
    float* out = nullptr;              // pixels * outC floats after the stages, or null; may be a stage's operand
                                       // (each vector reads its operands before it stores the result there)
    const FastStage* stages = nullptr;
    int nStages = 0;
    const FastSink* sinks = nullptr;
    int nSinks = 0;
};

// the most stages and sinks one block takes (apply_epilogue uses the portable path beyond)
constexpr int kMaxFastStages = 16, kMaxFastSinks = 8;

// true when this CPU has AVX-512 F/DQ/BW/VL (checked once)
bool fast_epilogue_available();

// fast_epilogue_block takes outC a multiple of 16 (of each group's channels, for bw = 8 window sums), or outC below
// 16 when this says so: one group and stages without per-channel parameters (add, sub, one-slope PReLU)
bool fast_epilogue_flat_ok(int64_t outC, int64_t groups, const std::vector<ChainStage>& stages);

FastSink fast_sink(const CodeSink& s);
FastStage fast_stage(const ChainStage& s);

void fast_epilogue_block(const FastBlock& b);

}  // namespace adabm
