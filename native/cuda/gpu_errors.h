// Typed failures of the CUDA library, and the check that turns a CUDA status into one. The C entry points
// (abi_gpu.cpp) turn each into an ADABM_E_* code and a thread-local message.
#pragma once
#include "../src/errors.h"
#include <cuda_runtime_api.h>
#include <stdexcept>
#include <string>

namespace adabm {

struct CudaError : std::runtime_error { using std::runtime_error::runtime_error; };
struct NoDeviceError : std::runtime_error { using std::runtime_error::runtime_error; };
struct UnsupportedError : std::runtime_error { using std::runtime_error::runtime_error; };

// Throws CudaError naming the step and CUDA's error ("qconv op 3: cudaErrorInvalidValue: invalid argument").
inline void cuda_check(cudaError_t status, const std::string& what) {
    if (status == cudaSuccess) return;
    cudaGetLastError();  // clears a sticky launch error so the next call starts clean
    throw CudaError(what + ": " + cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
}

}  // namespace adabm
