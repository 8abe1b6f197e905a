// The GPU plan's kernels (gpu_plan.cu runs them): what each one computes and the launchers' arguments. Every value
// that feeds a quantizer is computed with the same float32 / double operations, in the same order, as the CPU integer
// plan (int8_epilogue.h, fused_chain.h, activation_codes.h); the device code is built with --fmad=false, so no
// multiply-add is contracted into an FMA that the CPU code does not do.
#pragma once
#include <cstdint>
#include <cuda_runtime_api.h>

namespace adabm::gpu {

constexpr int kMaxStages = 6;
constexpr int kMaxSinks = 4;
constexpr int kMaxHeadInputs = 8;

// A float op applied to a value after it is made (the CPU chain's ChainStage, fused_chain.cpp's apply_stage).
struct Stage {
    enum Kind : int32_t { Affine = 0, PRelu = 1, Add = 2, Sub = 3 };
    int32_t kind = Affine;
    int32_t uniform = 0;         // PRelu: one slope (a[0]) for every channel
    int32_t valueFirst = 1;      // Add, Sub: the value is the op's first operand
    const float* a = nullptr;    // Affine scale / PRelu slopes (C floats, or 1 when uniform)
    const float* b = nullptr;    // Affine shift
    const float* other = nullptr;  // Add, Sub: the other operand, same NHWC shape as the value
};

// Writes the u8 codes of a quantized conv's input from each value (activation_codes.h's formula), optionally through
// the pixel shuffle in front of that conv (codes commute with the permutation).
struct Sink {
    uint8_t* codes = nullptr;    // NHWC with channel stride cp (the conv's padded input channels)
    int32_t cp = 0;
    float l = 0, u = 0;
    int32_t op = 0;              // the conv op: its activation bits per image are bits[image * ops + op]
    int32_t relu = 0;
    int32_t block = 1;           // > 1: a depth-to-space of this block lies between value and codes
    int32_t dcr = 0;
    int32_t shuffledC = 0;       // block > 1: the shuffle's output channels (value channels / block^2)
};

// What happens to each value a kernel makes: stages, an optional float store (NHWC, dense channels), sinks.
struct Epilogue {
    int32_t nStages = 0, nSinks = 0;
    Stage stages[kMaxStages];
    Sink sinks[kMaxSinks];
    float* out = nullptr;
    const int32_t* bits = nullptr;  // n x ops activation bits on the device
    int32_t ops = 0;
};

// The exact integer conv (int8_conv.h): u8 codes x s8 weight codes on tensor cores (mma.sync m16n8k32, s32
// accumulators), then v = float(s_a*s_w*A + (s_w*l*S_in + bias)) in double as int8_epilogue.cpp, then the epilogue.
struct QConvArgs {
    const uint8_t* in = nullptr;     // n x h x w x cp codes
    int32_t n = 0, h = 0, w = 0, cp = 0, ho = 0, wo = 0;
    int32_t kh = 0, kw = 0, padT = 0, padL = 0;
    const int8_t* weights = nullptr; // ocp x k, k = (r*kw + s)*cp + channel; zero rows/columns pad
    int32_t k = 0, outC = 0, ocTiles = 0;
    const int32_t* tapSum = nullptr;     // outC x kh*kw: sum of the weight codes c over input channels, per tap
    const double* interiorBase = nullptr;  // outC: s_w*l*S_full + bias
    double borderCoef = 0;                 // s_w*l
    const float* bias = nullptr;
    const double* scaleOfBits = nullptr;   // 9 entries: s_a(b)*s_w for activation bits b
    int32_t op = 0;
    const int32_t* window = nullptr;       // bw = 8: n x ho x wo x groups sums of codes under the window, else null
    int32_t groups = 1, outPerGroup = 0;
    Epilogue e;                            // by value: the kernel reads it from its parameters (constant bank)
};
// Picks the n8 column tiles per warp (8, or fewer where the weight slice would not fit maxSmem bytes of shared
// memory) and gives the dynamic shared memory the launch needs (may still exceed maxSmem at 1: the caller refuses).
void qconv_plan(int32_t outC, int32_t kh, int32_t kw, int32_t cp, size_t maxSmem, int32_t* nt, int32_t* ocTiles,
                size_t* smemBytes);
// Once per conv, at plan construction: lets the kernel of nt use up to maxSmem bytes of shared memory and gives how
// many of its blocks of smemBytes fit one multiprocessor (the persistent grid is that times the SM count).
int32_t qconv_blocks_per_sm(int32_t nt, int32_t kh, int32_t kw, int32_t cp, size_t smemBytes, size_t maxSmem);
void launch_qconv(const QConvArgs& a, int32_t nt, size_t smemBytes, int32_t residentBlocks, cudaStream_t s);

// bw = 8: per (image, out pixel, group) the sum of the input codes of the group under the window (inside the image),
// in two passes: each pixel's group sums (pixelSums: n*h*w*groups scratch), then the window's
void launch_window_sums(const uint8_t* in, int32_t n, int32_t h, int32_t w, int32_t cp, int32_t inC, int32_t groups,
                        int32_t ho, int32_t wo, int32_t kh, int32_t kw, int32_t padT, int32_t padL, int32_t* pixelSums,
                        int32_t* out, cudaStream_t s);

// A float conv summed in double in exact_float_conv.cpp's order (bias first, then input channel, kernel row, column),
// rounded once; then the epilogue.
struct FConvArgs {
    const float* in = nullptr;       // n x h x w x inC, dense
    int32_t n = 0, h = 0, w = 0, inC = 0, ho = 0, wo = 0, outC = 0;
    int32_t kh = 0, kw = 0, padT = 0, padL = 0, groups = 1;
    const float* weights = nullptr;  // OIHW
    const float* bias = nullptr;
    const Epilogue* e = nullptr;     // in device memory
};
void launch_fconv(const FConvArgs& a, cudaStream_t s);

// Every other op: a head makes each output value from its inputs (NHWC float; the plan input in NCHW), the epilogue
// finishes it. One thread per output value.
struct HeadArgs {
    enum Kind : int32_t { Tensor = 0, Add, Sub, Concat, DepthToSpace, Pad, ResizeNearest, InputNchw };
    int32_t kind = Tensor;
    int32_t nIn = 1;
    const float* in[kMaxHeadInputs] = {};
    int32_t channels[kMaxHeadInputs] = {};  // Concat: each part's channels
    int32_t inC = 0, inH = 0, inW = 0;      // the (first) input's shape
    int32_t block = 1, dcr = 0;             // DepthToSpace block / ResizeNearest scale
    int32_t padT = 0, padL = 0, padEdge = 0;
    float padValue = 0;
    int32_t n = 0, c = 0, h = 0, w = 0;     // output
    const Epilogue* e = nullptr;            // in device memory
};
void launch_head(const HeadArgs& a, cudaStream_t s);

// NHWC float -> NCHW float (the plan output)
void launch_nhwc_to_nchw(const float* in, float* out, int32_t n, int32_t c, int32_t h, int32_t w, cudaStream_t s);

// AdaBM's image complexity (ImageComplexity.java) per image of an NCHW RGB batch, then each image's offset and bits
// (adabm_gpu_bitmap). sums: 2n doubles of scratch. complexity, offsets: n each (device).
void launch_image_bits(const float* rgb, int32_t n, int32_t h, int32_t w, int32_t enabled, double tauLow, double tauHigh,
                       const int32_t* bitsByOffset, int32_t ops, double* sums, double* complexity, int32_t* offsets,
                       int32_t* bits, cudaStream_t s);

}  // namespace adabm::gpu
