// The exception barrier every C entry point of libadabm_native runs its body in (abi_barrier.h), with the backend
// library's errors (oneDNN's dnnl::error; ACL's arm_compute errors are turned into ours where they are called) as
// ADABM_E_ONEDNN: each C++ exception becomes a negative ADABM_E_* code plus a thread-local message.
#pragma once
#include "abi_barrier.h"
#include <string>
#if !defined(ADABM_BACKEND_ACL)
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace adabm {

// The calling thread's last failure message (defined in abi.cpp).
std::string& last_error_slot();

template <typename F>
int32_t guarded(F&& body) {
    return guarded_into(last_error_slot(), [&] {
#if defined(ADABM_BACKEND_ACL)
        body();
#else
        try {
            body();
        } catch (const dnnl::error& e) {
            throw AbiFailure(ADABM_E_ONEDNN, std::string("oneDNN: ") + e.what() + " (status " + std::to_string(int(e.status)) + ")");
        }
#endif
    });
}

}  // namespace adabm
