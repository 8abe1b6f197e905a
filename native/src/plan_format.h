// The binary plan description: a whole float32 network as Java's PlanEncoder writes it, and its parser.
//
// Format, version 1 or 2. All integers are little-endian uint32, all floats little-endian IEEE float32.
//
//   header   magic 0x50424441 ("ADBP" in byte order), version (1 or 2), inputChannels, opCount,
//            outputTensor, blobCount
//   blobs    blobCount x { count, float[count] }   parameter arrays; convs sharing weights share one blob
//   ops      opCount x { kind, inputCount, uint32 inputs[inputCount], fields of the kind }
//
// Tensors are numbered: 0 is the graph input, i+1 is the output of op i; an op may only read tensors
// numbered <= its own index (topological order). outputTensor names the graph output. Kinds and fields:
//
//   1 CONV            inC, outC, kernelH, kernelW, padTop, padLeft, padBottom, padRight, groups,
//                     weightBlob (OIHW: outC * inC/groups * kH * kW floats), biasBlob (outC floats)
//                     version 2 only, then: quantized (0 or 1); if 1: weightBits (2..8), float uw, float l, float u
//                     (the fake quantizer of ADABM.md §2; activation bits come with each run, see qplan.h)
//   2 RELU            -
//   3 PRELU           slopeBlob (1 or C floats)
//   4 LEAKY_RELU      float alpha
//   5 ADD, 6 SUB      - (two inputs, a then b)
//   7 AFFINE          scaleBlob, shiftBlob (1 or C floats each): y = x * scale[c] + shift[c]
//   8 CONCAT          - (one or more inputs, concatenated along channels)
//   9 DEPTH_TO_SPACE  block, order (0 = CRD / PixelShuffle, 1 = DCR)
//  10 PAD             top, left, bottom, right, mode (0 = constant, 1 = edge), float value
//  11 RESIZE_NEAREST  scale
//
// The description must end exactly after the last op. Every count, index and size is validated here
// (PlanFormatError); sizes that depend on the input shape (channel counts of slopes, ...) are checked
// by shape inference (ShapeError).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace adabm {

constexpr uint32_t kPlanMagic = 0x50424441u;
constexpr uint32_t kPlanVersion = 1;
constexpr uint32_t kQuantPlanVersion = 2;  // convs carry their quantizer

enum class OpKind : uint32_t {
    Conv = 1, Relu = 2, PRelu = 3, LeakyRelu = 4, Add = 5, Sub = 6, Affine = 7,
    Concat = 8, DepthToSpace = 9, Pad = 10, ResizeNearest = 11
};

const char* op_kind_name(OpKind kind);

struct ConvParams {
    int inC = 0, outC = 0, kh = 0, kw = 0, padT = 0, padL = 0, padB = 0, padR = 0, groups = 1;
    uint32_t weightBlob = 0, biasBlob = 0;
    // version 2: the fake quantizer (float plans ignore it)
    bool quantized = false;
    int weightBits = 0;
    float uw = 0.f, l = 0.f, u = 0.f;
};

struct OpDesc {
    OpKind kind = OpKind::Relu;
    std::vector<uint32_t> inputs;  // tensor ids
    uint32_t output = 0;           // tensor id = op index + 1
    ConvParams conv;
    uint32_t blobA = 0, blobB = 0; // PRelu slopes; Affine scale, shift
    float alpha = 0.f;             // LeakyRelu alpha, Pad value
    int block = 1;                 // DepthToSpace block, ResizeNearest scale
    bool dcr = false;              // DepthToSpace order
    int padT = 0, padL = 0, padB = 0, padR = 0;
    bool padEdge = false;
};

struct PlanDesc {
    uint32_t version = kPlanVersion;
    int inputChannels = 0;
    uint32_t outputTensor = 0;
    std::vector<std::vector<float>> blobs;
    std::vector<OpDesc> ops;
    size_t tensorCount() const { return ops.size() + 1; }
};

// Parses and validates; throws PlanFormatError naming the offending op or offset.
PlanDesc parse_plan(const uint8_t* data, size_t len);

}  // namespace adabm
