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
#define ADABM_E_ONEDNN (-4)           /* oneDNN refused or failed */
#define ADABM_E_OUT_OF_MEMORY (-5)
#define ADABM_E_INTERNAL (-6)

/* Version of this ABI; Java refuses a library with another value. */
ADABM_API int32_t adabm_abi_version(void);

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

#ifdef __cplusplus
}
#endif
#endif
