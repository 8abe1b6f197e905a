// Small pieces both ACL convs share: shape checks and error translation (ACL's Status and exceptions become the
// library's typed errors, naming the conv), and strided copies between our dense NHWC buffers and ACL tensors
// (ACL pads a tensor's rows to suit its kernels when a function is configured, so rows are not dense).
#pragma once
#include "../src/errors.h"
#include <arm_compute/core/Error.h>
#include <arm_compute/runtime/Tensor.h>
#include <cstdint>
#include <functional>
#include <new>
#include <string>

namespace adabm {

struct AclConvShape {
    int64_t inC = 0, outC = 0, kh = 0, kw = 0, padT = 0, padL = 0, padB = 0, padR = 0, groups = 1;
};

// "3x3 64->64 g1 pad(t1,l1,b1,r1)": how every error message names the conv.
std::string describe(const AclConvShape& s);

// Throws ArgumentError for a shape no conv can have (non-positive sizes, negative padding, channels not divisible
// by groups); `what` names the class.
void check_conv_shape(const AclConvShape& s, const char* what);

// Output size for an n x h x w input; throws ShapeError where it is empty or the input is.
void conv_output_size(const AclConvShape& s, int64_t n, int64_t h, int64_t w, int64_t* ho, int64_t* wo);

// Throws ShapeError (with the ACL reason) when an ACL validate() refuses a configuration.
void throw_if_refused(const arm_compute::Status& status, const AclConvShape& s, const char* function);

// Runs f, turning any exception ACL throws from configure/run into an ArgumentError naming the conv (out of memory
// stays std::bad_alloc: the C ABI reports it as ADABM_E_OUT_OF_MEMORY).
template <typename F>
void acl_call(const AclConvShape& s, const char* function, F&& f) {
    try {
        f();
    } catch (const ShapeError&) {
        throw;
    } catch (const ArgumentError&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        throw ArgumentError(std::string(function) + " failed for conv " + describe(s) + ": " + e.what());
    }
}

// Address of element (i0 = innermost, i1, i2, i3) of an allocated tensor, through its strides.
inline uint8_t* element_at(arm_compute::Tensor& t, int64_t i0, int64_t i1, int64_t i2 = 0, int64_t i3 = 0) {
    const auto& st = t.info()->strides_in_bytes();
    return t.buffer() + t.info()->offset_first_element_in_bytes() + i0 * int64_t(st[0]) + i1 * int64_t(st[1]) +
           i2 * int64_t(st[2]) + i3 * int64_t(st[3]);
}

// Copies channels [c0, c0 + tc) of a dense n x h x w x c float buffer into tensor t (NHWC: dims tc, w, h, n), and back.
void copy_channels_in(const float* src, int64_t n, int64_t h, int64_t w, int64_t c, int64_t c0, arm_compute::Tensor& t);
void copy_channels_out(arm_compute::Tensor& t, int64_t n, int64_t h, int64_t w, float* dst, int64_t c, int64_t c0);

// Runs body(first, last) over [0, count) in contiguous ranges of at least minPerTask on NEScheduler's thread pool
// (the one ACL's functions use, so our own loops around them scale with it too: acl_follow_omp_threads).
void parallel_ranges(int64_t count, int64_t minPerTask, const std::function<void(int64_t, int64_t)>& body);

// Sizes NEScheduler's pool to the calling thread's OpenMP thread count (what a plan's ThreadScope or
// omp_set_num_threads set), leaving it alone when it already has that size. Both convs call it on every run: the
// pool is process-wide, shared by every plan (ACL 20.08 serialises its workloads under a mutex).
void acl_follow_omp_threads();

}  // namespace adabm
