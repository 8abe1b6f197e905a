/* The C ABI of libadabm_native: everything Java calls through FFM. No C++ exception crosses it:
 * functions return 0 (ADABM_OK) on success or a negative ADABM_E_* code, and adabm_last_error() gives the
 * calling thread's message for the last failure.
 *
 * A plan is a whole float32 network compiled from a binary plan description (format: plan_format.h,
 * written by the Java class adabm.backend.onednn.PlanEncoder). Activations run as NHWC float32 inside;
 * callers pass and receive NCHW. One plan must be run by one thread at a time; different plans may run
 * concurrently. */
#ifndef ADABM_H
#define ADABM_H
#include <stdint.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ADABM_API __attribute__((visibility("default")))
#else
#define ADABM_API
#endif

#define ADABM_OK 0
#define ADABM_E_INVALID_ARGUMENT (-1) /* null pointer, non-positive dimension, output buffer too small */
#define ADABM_E_BAD_PLAN (-2)         /* corrupt or unsupported plan description */
#define ADABM_E_SHAPE (-3)            /* the input shape does not fit the network */
#define ADABM_E_ONEDNN (-4)           /* oneDNN refused or failed (x86-64 build; the aarch64 build reports ACL refusing
                                       a conv as ADABM_E_SHAPE and ACL failing as ADABM_E_INVALID_ARGUMENT) */
#define ADABM_E_OUT_OF_MEMORY (-5)
#define ADABM_E_INTERNAL (-6)
/* -7, -8: adabm_gpu.h's CUDA codes */
#define ADABM_E_UNSUPPORTED (-9)      /* not provided (named): by this build (the aarch64 library has no float32
                                       training kernels) or by the GPU kernels (an op they do not run) */

/* Version of this ABI; Java refuses a library with another value. */
ADABM_API int32_t adabm_abi_version(void);

/* The CPU backend this library was built with: "onednn" (x86-64) or "acl" (aarch64, the ARM Compute Library). */
ADABM_API const char* adabm_native_backend(void);

/* Message of the last failure on the calling thread ("" if none). Valid until the next call on this thread. */
ADABM_API const char* adabm_last_error(void);

/* Parses and validates desc[0..len) and builds a plan that runs with `threads` OpenMP threads (<= 0: the
 * OpenMP default). Weights are copied: desc may be freed afterwards. On success *out_plan holds the plan. */
ADABM_API int32_t adabm_plan_create(const uint8_t* desc, size_t len, int32_t threads, void** out_plan);

/* Output shape [n, c, h, w] (written to out_nchw[0..3]) for an input of n x c x h x w. */
ADABM_API int32_t adabm_plan_output_shape(void* plan, int32_t n, int32_t c, int32_t h, int32_t w, int32_t* out_nchw);

/* Runs the network on in_nchw (n x c x h x w floats) and writes the NCHW output into out_nchw, which must hold
 * out_capacity >= the output's element count floats. Per-shape state (primitives, buffers) is cached in a small LRU. */
ADABM_API int32_t adabm_plan_run(void* plan, const float* in_nchw, int32_t n, int32_t c, int32_t h, int32_t w,
                       float* out_nchw, size_t out_capacity);

/* Number of input shapes whose state is cached now (for tests of the LRU bound). */
ADABM_API int32_t adabm_plan_cached_shapes(void* plan);

/* Writes the oneDNN implementation of each conv of the most recently run shape ("brg_conv_fwd:avx512_core", ...),
 * one per line, NUL-terminated, into buf (truncated to capacity). Returns the full length, or a negative code. */
ADABM_API int32_t adabm_plan_implementations(void* plan, char* buf, size_t capacity);

/* Frees the plan and everything it holds. A null plan is ignored. */
ADABM_API int32_t adabm_plan_destroy(void* plan);

/* ---- Exact integer convolution of a fake-quantized conv (ADABM.md §8), standalone for tests/benchmarks ----
 * Stride 1, groups allowed. Activations are u8 codes q (NHWC) of the quantizer (l, u, bits): x = l + q*(u-l)/(2^bits-1),
 * zero padding is real 0.0. Weights (OIHW float32) are quantized symmetrically by adabm_qconv_set_weight_bits.
 * The output is NHWC float32 and/or the u8 codes of the next quantizer (next_l, next_u, next_bits; next_bits 0: none).
 * Codes above 2^bits-1 are not rejected: they stand for values above u. One handle, one thread at a time. */
ADABM_API int32_t adabm_qconv_create(int32_t in_c, int32_t out_c, int32_t kh, int32_t kw, int32_t pad_t, int32_t pad_l,
                                     int32_t pad_b, int32_t pad_r, int32_t groups, const float* weight_oihw,
                                     const float* bias, int32_t threads, void** out_qconv);
/* Quantizes the weights to `bits` (1..8) with bound uw > 0; required before the first run, allowed any time. */
ADABM_API int32_t adabm_qconv_set_weight_bits(void* qconv, float uw, int32_t bits);
/* Output [h, w] (out_hw[0..1]) for an h x w input. */
ADABM_API int32_t adabm_qconv_output_size(void* qconv, int32_t h, int32_t w, int32_t* out_hw);
/* out_nhwc may be null when next_bits != 0 (codes only); capacities are in elements. */
ADABM_API int32_t adabm_qconv_run(void* qconv, const uint8_t* codes_nhwc, size_t codes_len, int32_t n, int32_t h,
                                  int32_t w, float l, float u, int32_t bits, float* out_nhwc, size_t out_capacity,
                                  uint8_t* out_codes, size_t out_codes_capacity, float next_l, float next_u,
                                  int32_t next_bits);
/* oneDNN implementation of the most recently run shape, like adabm_plan_implementations. */
ADABM_API int32_t adabm_qconv_implementation(void* qconv, char* buf, size_t capacity);
ADABM_API int32_t adabm_qconv_destroy(void* qconv);

/* ---- float32 per-conv kernels for fake-quantized execution and fine-tuning ----
 * Stride 1, zero padding (pads top/left/bottom/right), groups. Activations are float32 NCHW, or NHWC where a call
 * passes channels_last != 0 (the shapes below stay logical n x c x h x w), and weights OIHW
 * (outC x inC/groups x kh x kw) in caller memory; the weight is passed on every call (it may change between calls).
 * Convs are created on a workspace that holds the engine, the thread count and the buffers all of its convs
 * share; a workspace and its convs must be used by one thread at a time, and its convs destroyed before it. */
ADABM_API int32_t adabm_fconv_workspace_create(int32_t threads, void** out_workspace);
/* Bytes of buffers the workspace holds now (grows to the largest shape seen). */
ADABM_API int32_t adabm_fconv_workspace_bytes(void* workspace, int64_t* out_bytes);
/* Fails (ADABM_E_INVALID_ARGUMENT) while convs created on it are alive. A null workspace is ignored. */
ADABM_API int32_t adabm_fconv_workspace_destroy(void* workspace);
ADABM_API int32_t adabm_fconv_create(void* workspace, int32_t in_c, int32_t out_c, int32_t kh, int32_t kw, int32_t pad_t,
                                     int32_t pad_l, int32_t pad_b, int32_t pad_r, int32_t groups, void** out_fconv);
/* dst (n x out_c x ho x wo, ho = h + pad_t + pad_b - kh + 1) = conv(src (n x in_c x h x w), weight) + bias. */
ADABM_API int32_t adabm_fconv_forward(void* fconv, int32_t n, int32_t h, int32_t w, int32_t channels_last, const float* src, const float* weight,
                                      const float* bias, float* dst, size_t dst_capacity);
/* diff_src (n x in_c x h x w) for diff_dst (n x out_c x ho x wo). */
ADABM_API int32_t adabm_fconv_backward_data(void* fconv, int32_t n, int32_t h, int32_t w, int32_t channels_last, const float* diff_dst,
                                            const float* weight, float* diff_src, size_t diff_src_capacity);
/* diff_weight (OIHW, summed over the batch) for src (n x in_c x h x w) and diff_dst (n x out_c x ho x wo). */
ADABM_API int32_t adabm_fconv_backward_weights(void* fconv, int32_t n, int32_t h, int32_t w, int32_t channels_last, const float* src,
                                               const float* diff_dst, float* diff_weight, size_t diff_weight_capacity);
/* oneDNN implementations of the passes run last, like adabm_plan_implementations. */
ADABM_API int32_t adabm_fconv_implementation(void* fconv, char* buf, size_t capacity);
/* Number of input shapes whose primitives are cached now. */
ADABM_API int32_t adabm_fconv_cached_shapes(void* fconv);
ADABM_API int32_t adabm_fconv_destroy(void* fconv);

/* ---- the integer plan: a whole fake-quantized network in integers (ADABM.md §8) ----
 * Built from a version-2 plan description (plan_format.h: every conv says whether it is quantized and carries its
 * weight bits, weight bound uw and activation bounds l < u). bits[i] is op i's activation bit width (2..8) when op i
 * is a quantized conv (other entries are ignored): the plan changes runtime scales only, never its primitives.
 * Input and output NCHW float32 like adabm_plan_run. One plan, one thread at a time. */
#define ADABM_QPLAN_DIRECT_CODES 1  /* flag: u8 codes straight from oneDNN between quantized convs (faster; see qplan.h;
                                       the aarch64 library always takes the exact path) */
#define ADABM_QPLAN_UNFUSED 2       /* flag: every non-conv op and quantize pass on its own (the bit-for-bit reference of fusion) */
ADABM_API int32_t adabm_qplan_create(const uint8_t* desc, size_t len, int32_t threads, int32_t flags, void** out_plan);
ADABM_API int32_t adabm_qplan_run(void* plan, const float* in_nchw, int32_t n, int32_t c, int32_t h, int32_t w,
                                  const int32_t* bits, size_t bits_len, float* out_nchw, size_t out_capacity);
/* Output [n, c, h, w] for an input of that shape, like adabm_plan_output_shape. */
ADABM_API int32_t adabm_qplan_output_shape(void* plan, int32_t n, int32_t c, int32_t h, int32_t w, int32_t* out_nchw);
ADABM_API int32_t adabm_qplan_cached_shapes(void* plan);
/* One line per conv of the most recently run shape ("op 3 int8: brg_conv_fwd:avx512_core_vnni"), like
 * adabm_plan_implementations. */
ADABM_API int32_t adabm_qplan_implementations(void* plan, char* buf, size_t capacity);
ADABM_API int32_t adabm_qplan_destroy(void* plan);


/* ---- per-step profiling of the float and integer plans, and CPU facts for reading it (adabm profile) ----
 * Off by default (a run then pays one branch per step). With profiling on, each run records, per step of the run in
 * order, the op, what kind of step it is, the oneDNN implementation of a conv and its wall time (steady clock, after
 * the stream finished); the profile holds the last run only. Turning profiling on or off clears it. */
#define ADABM_STEP_REORDER 0       /* NCHW <-> NHWC layout change of the plan's input or output (op -1) */
#define ADABM_STEP_FP32_CONV 1     /* a float32 conv with its fused post-ops */
#define ADABM_STEP_INT8_CONV 2     /* an integer conv (u8 x s8), its exact epilogue and any fused requantization */
#define ADABM_STEP_FLOAT_OP 3      /* any other op, in float32 */
#define ADABM_STEP_QUANTIZE 4      /* float tensor -> the u8 codes of the conv op (integer plan) */
#define ADABM_STEP_SHUFFLE_CODES 5 /* pixel shuffle of u8 codes in front of the conv op (integer plan) */
#define ADABM_STEP_FUSED_OPS 6     /* non-conv ops (op = the last) and quantize passes in one pass; implementation says
                                      which kinds and what it writes, e.g. "Add+Relu -> f32, codes x1" (integer plan) */
typedef struct adabm_step_time {
    int32_t op;                   /* op index in the plan description, -1 for a reorder */
    int32_t kind;                 /* ADABM_STEP_* */
    double ms;                    /* wall time of the step in the last run */
    char implementation[112];     /* a conv's oneDNN implementation ("brg_conv_fwd:avx512_core"), NUL-terminated; "" else */
} adabm_step_time;
ADABM_API int32_t adabm_plan_set_profiling(void* plan, int32_t on);
/* Copies up to capacity records of the last profiled run into out; returns the full count, or a negative code. */
ADABM_API int32_t adabm_plan_profile(void* plan, adabm_step_time* out, size_t capacity);
ADABM_API int32_t adabm_qplan_set_profiling(void* plan, int32_t on);
ADABM_API int32_t adabm_qplan_profile(void* plan, adabm_step_time* out, size_t capacity);
/* oneDNN's effective ISA ("avx512_core_vnni", ...): what ONEDNN_MAX_CPU_ISA and the CPU allow. Text like
 * adabm_plan_implementations. */
ADABM_API int32_t adabm_effective_cpu_isa(char* buf, size_t capacity);
/* Core clock of the calling thread in Hz, measured by timing a chain of dependent integer adds (one per cycle)
 * for about the given number of milliseconds (clamped to 1..2000). */
ADABM_API int32_t adabm_measure_clock_hz(int32_t millis, double* out_hz);

/* ---- test hook: the int8 conv epilogue (int8_epilogue.h) on chosen accumulators ----
 * A 1 x pixels image through a 1x1 conv of `channels` outputs: acc (pixels x channels s32, NHWC), acc_low (or null:
 * the pre-VNNI split's low half), pixel_sums (or null: bw = 8, each pixel's window code sum), v = float(scale * A +
 * (border_coef * tap_sums[o] + bias[o])), then n_stages stages (kind & 3: 0 affine a*x then + b, 1 PReLU with slopes
 * a (+8: one slope a[0]), 2 add, 3 sub the operand stage_other + s*pixels*channels (+4: the operand comes first));
 * stage_a/_b hold channels floats per stage. out (or null) gets the floats; each of n_sinks quantizers (l, u pairs
 * in sink_bounds, bits in sink_bits, +256: a ReLU before it) writes pixels x channels codes from codes + k*pixels*
 * channels. portable & 1 forces the portable loops; portable & 2 writes the floats over stage 0's operand (copied
 * into out first; out then serves as that operand); *used_fast says whether the AVX-512 one pass ran. */
ADABM_API int32_t adabm_epilogue_check(int32_t portable, int32_t pixels, int32_t channels, const int32_t* acc,
                                       const int32_t* acc_low, const int32_t* pixel_sums, double scale, double border_coef,
                                       const int64_t* tap_sums, const float* bias, int32_t n_stages, const int32_t* stage_kinds,
                                       const float* stage_a, const float* stage_b, const float* stage_other, int32_t n_sinks,
                                       const float* sink_bounds, const int32_t* sink_bits, float* out, uint8_t* codes,
                                       int32_t* used_fast);

#ifdef __cplusplus
}
#endif
#endif
