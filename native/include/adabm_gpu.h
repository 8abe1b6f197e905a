/* The C ABI of libadabm_cuda.so: AdaBM plans on an NVIDIA GPU (native/cuda/). Java calls it through FFM
 * (adabm.backend.cuda); tests/gpu/gpu_check.cpp drives it from C++ on machines without Java.
 *
 * Like adabm.h: every function returns 0 (ADABM_OK) or a negative ADABM_E_* code, and adabm_gpu_last_error() gives
 * the calling thread's message for the last failure. No C++ exception and no CUDA error escapes: a CUDA failure is
 * ADABM_E_CUDA with the CUDA error's name and the step that hit it. The library loads on machines without a GPU or
 * driver (the CUDA runtime is linked statically and finds the driver at run time): adabm_gpu_probe then says why
 * nothing can run. */
#ifndef ADABM_GPU_H
#define ADABM_GPU_H

#include "adabm.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ADABM_GPU_ABI_VERSION 1
#define ADABM_E_CUDA (-7)          /* the CUDA runtime or driver refused or failed */
#define ADABM_E_NO_DEVICE (-8)     /* no usable CUDA device (no driver, no GPU, too old) */
/* ADABM_E_UNSUPPORTED (-9, adabm.h): a plan the GPU kernels do not run (named op and reason) */

ADABM_API int32_t adabm_gpu_abi_version(void);
ADABM_API const char* adabm_gpu_last_error(void);

/* 1 when a CUDA device of compute capability >= 8.0 (int8 mma.sync m16n8k32) can run plans here, else 0 with the reason in reason (never a
 * negative code). The text says the device ("NVIDIA H200, sm_90, 132 SMs, 139 GiB") when it can. */
ADABM_API int32_t adabm_gpu_probe(char* reason, size_t capacity);

/* A whole network on device 0, from a plan description (plan_format.h). Version 1: every conv in float32. Version 2:
 * quantized convs as exact integer convs (u8 codes x s8 weight codes on tensor cores, s32 accumulators, the same
 * exact epilogue as the CPU integer plan: its output equals adabm_qplan_run's bit for bit), float convs in float32
 * summed in double like the CPU plan's exact float convs. Weights are uploaded once. One run at a time per plan. */
#define ADABM_GPU_FLOAT_ONLY 1     /* flag: run a version-2 plan's quantized convs as float convs too (the float model) */
ADABM_API int32_t adabm_gpu_plan_create(const uint8_t* desc, size_t len, int32_t flags, void** out_plan);
ADABM_API int32_t adabm_gpu_plan_output_shape(void* plan, int32_t n, int32_t c, int32_t h, int32_t w, int32_t* out_nchw);

/* AdaBM's image-to-bit map (ADABM.md §3) applied on the device: each image's complexity (ImageComplexity: mean
 * absolute Sobel gradient of the gray image, on the GPU) gives offset -1 below tau_low, +1 above tau_high, else 0;
 * the image then runs with bits_by_offset[(offset + 1) * op_count + i] activation bits for op i. */
typedef struct adabm_gpu_bitmap {
    int32_t enabled;                /* 0: every image takes offset 0 */
    double tau_low, tau_high;
    const int32_t* bits_by_offset;  /* 3 x op_count */
    size_t bits_len;                /* 3 * op_count */
} adabm_gpu_bitmap;

typedef struct adabm_gpu_image_info {
    double complexity;              /* NaN when the bit map was not used */
    int32_t offset;
    int32_t pad_;
} adabm_gpu_image_info;

/* Runs n images of one shape in one pass (batching: every kernel covers all n). bits: n x op_count activation bits
 * (image s, op i at s * op_count + i; entries of non-quantized ops ignored), or null to take them from map (both
 * may be null for a plan without quantized convs). info:
 * n entries (may be null). in and out are host memory (NCHW float32); pinned memory from adabm_gpu_host_alloc is
 * copied directly, other memory through the plan's own pinned staging buffers. */
ADABM_API int32_t adabm_gpu_plan_run(void* plan, const float* in_nchw, int32_t n, int32_t c, int32_t h, int32_t w,
                                     const int32_t* bits, size_t bits_len, const adabm_gpu_bitmap* map,
                                     float* out_nchw, size_t out_capacity, adabm_gpu_image_info* info);

/* The last run's time split in milliseconds (CUDA events): host-to-device copy, compute, device-to-host copy. */
ADABM_API int32_t adabm_gpu_plan_last_times(void* plan, double* h2d_ms, double* compute_ms, double* d2h_ms);

/* Per-step profiling like adabm_qplan_profile (same record and step kinds; ms from CUDA events around each step;
 * implementation names the kernel and its tile). Off by default. */
ADABM_API int32_t adabm_gpu_plan_set_profiling(void* plan, int32_t on);
ADABM_API int32_t adabm_gpu_plan_profile(void* plan, adabm_step_time* out, size_t capacity);
/* Multiply-accumulates of the integer convs per image of the last run's shape (for the share of tensor-core peak). */
ADABM_API int32_t adabm_gpu_plan_int8_macs(void* plan, double* out_macs);
ADABM_API int32_t adabm_gpu_plan_destroy(void* plan);

/* Pinned (page-locked) host memory, for inputs and outputs that the copies then read and write directly. */
ADABM_API int32_t adabm_gpu_host_alloc(size_t bytes, void** out);
ADABM_API int32_t adabm_gpu_host_free(void* p);

#ifdef __cplusplus
}
#endif
#endif
