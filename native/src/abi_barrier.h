// The exception barrier of every C entry point, shared by libadabm_native (abi_guard.h) and libadabm_cuda
// (cuda/abi_gpu.cpp): the body runs inside try; each C++ exception becomes a negative ADABM_E_* code and a message in
// the library's thread-local error slot, so nothing unwinds into the JVM. A library maps its own exception types
// (oneDNN's, CUDA's) by throwing AbiFailure with its code from a wrapper around the body.
#pragma once
#include "adabm.h"
#include "errors.h"
#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace adabm {

// a failure that already knows its ADABM_E_* code
struct AbiFailure : std::runtime_error {
    int32_t code;
    AbiFailure(int32_t c, const std::string& message) : std::runtime_error(message), code(c) {}
};

template <typename F>
int32_t guarded_into(std::string& slot, F&& body) {
    const auto fail = [&](int32_t code, const std::string& message) {
        slot = message;
        return code;
    };
    try {
        slot.clear();
        body();
        return ADABM_OK;
    } catch (const AbiFailure& e) {
        return fail(e.code, e.what());
    } catch (const PlanFormatError& e) {
        return fail(ADABM_E_BAD_PLAN, e.what());
    } catch (const ShapeError& e) {
        return fail(ADABM_E_SHAPE, e.what());
    } catch (const ArgumentError& e) {
        return fail(ADABM_E_INVALID_ARGUMENT, e.what());
    } catch (const std::bad_alloc&) {
        return fail(ADABM_E_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception& e) {
        return fail(ADABM_E_INTERNAL, std::string("internal error: ") + e.what());
    } catch (...) {
        return fail(ADABM_E_INTERNAL, "internal error: unknown exception");
    }
}

// Copies text into a caller's buffer (NUL-terminated, truncated to capacity) and returns its full length, so a
// caller can retry with a larger buffer.
inline int32_t copy_text(const std::string& text, char* buf, size_t capacity) {
    if (buf && capacity > 0) {
        size_t n = std::min(capacity - 1, text.size());
        std::memcpy(buf, text.data(), n);
        buf[n] = '\0';
    }
    return int32_t(std::min<size_t>(text.size(), INT32_MAX));
}

// An NCHW shape into a caller's int32 array (the C ABI's output_shape calls); a dimension past int32 is a ShapeError.
inline void copy_shape(const int64_t (&shape)[4], int32_t* out_nchw, const std::string& what) {
    if (!out_nchw) throw ArgumentError("out_nchw is null");
    for (int i = 0; i < 4; i++) {
        if (shape[i] > INT32_MAX) throw ShapeError(what + ": output dimension " + std::to_string(shape[i]) + " exceeds int32");
        out_nchw[i] = int32_t(shape[i]);
    }
}

}  // namespace adabm
