// A chain of non-conv ops run as ONE pass over dense NHWC float32 tensors (the integer plan's fusion, qplan.cpp):
// a head makes each value (one tensor as is, a + b, a - b, a concat, a pixel shuffle), stages transform it in
// order (affine, PReLU / ReLU, + or - another tensor), and the result goes to a float tensor and/or to the u8 codes
// of any number of quantizers. The pass runs chunk by chunk of whole pixels, each chunk through every stage while it
// is in L1, so intermediate tensors are never written and no tensor is re-read to quantize it (a pixel-shuffle head
// takes a few input pixels at a time, each read once, and goes on with the b output row segments they make).
//
// Exactness: every value goes through the same float32 operations, in the same order and operand order, as the
// separate ops of simple_ops.cpp would apply to it (each rounds to float32 once: x * scale then + shift, never an
// FMA; the build has -ffp-contract=off), and the codes use activation_codes's formula; so the result is bit for bit
// what the unfused ops and quantize passes give.
#pragma once
#include "shapes.h"
#include <cstdint>
#include <vector>

namespace adabm {

struct ChainHead {
    enum class Kind { Tensor, Add, Sub, Concat, DepthToSpace };
    Kind kind = Kind::Tensor;
    std::vector<const float*> inputs;  // Tensor, DepthToSpace: 1; Add, Sub: a then b; Concat: the parts
    std::vector<int64_t> channels;     // Concat: channels of each part
    Shape in;                          // DepthToSpace: its input shape (per sample)
    int block = 1;
    bool dcr = false;
};

struct ChainStage {
    enum class Kind { Affine, PRelu, Add, Sub };
    Kind kind = Kind::Affine;
    std::vector<float> a, b;           // per channel (expanded to C): Affine scale and shift; PRelu slopes (a)
    bool uniform = false;              // PRelu: every slope is a[0] (ReLU, leaky ReLU)
    const float* other = nullptr;      // Add, Sub: the other operand (same shape as the value)
    bool valueFirst = true;            // Add, Sub: the chain's value is the op's first operand
};

struct CodeSink {
    uint8_t* codes = nullptr;
    float l = 0.f, u = 0.f;
    int bits = 8;
    bool relu = false;                 // a ReLU between the value and this quantizer (activation_codes_run)
};

// Runs the chain for n samples whose result has shape out (per sample). y (may be null: the float result is then
// not stored) must not alias any input. A Tensor head needs at least one stage.
void run_chain(const ChainHead& head, const std::vector<ChainStage>& stages, const std::vector<CodeSink>& sinks,
               float* y, int64_t n, const Shape& out);

// The stages and sinks alone, in place on np pixels of C values at v, whose first value sits at element offset off
// of the result (where stage operands and sink codes are addressed): how the int8 conv epilogue finishes its values.
void run_stages(const std::vector<ChainStage>& stages, const std::vector<CodeSink>& sinks, float* v, int64_t off,
                int64_t np, int64_t C);

// The stages alone over a whole dense tensor of `pixels` pixels of C values, in place, chunk by chunk on the OpenMP
// threads: how a float conv without fused post-ops (the ACL build's) applies them after the conv, in one pass.
void run_stages_in_place(const std::vector<ChainStage>& stages, float* v, int64_t pixels, int64_t C);

}  // namespace adabm
