// The exception barrier every C entry point runs its body in: each C++ exception (oneDNN errors, bad_alloc, our
// typed errors) becomes a negative ADABM_E_* code plus a thread-local message; nothing unwinds into the JVM.
#pragma once
#include "adabm.h"
#include "errors.h"
#include <oneapi/dnnl/dnnl.hpp>
#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <string>

namespace adabm {

// The calling thread's last failure message (defined in abi.cpp).
std::string& last_error_slot();

inline int32_t fail(int32_t code, const std::string& message) {
    last_error_slot() = message;
    return code;
}

template <typename F>
int32_t guarded(F&& body) {
    try {
        last_error_slot().clear();
        body();
        return ADABM_OK;
    } catch (const PlanFormatError& e) {
        return fail(ADABM_E_BAD_PLAN, e.what());
    } catch (const ShapeError& e) {
        return fail(ADABM_E_SHAPE, e.what());
    } catch (const ArgumentError& e) {
        return fail(ADABM_E_INVALID_ARGUMENT, e.what());
    } catch (const dnnl::error& e) {
        return fail(ADABM_E_ONEDNN, std::string("oneDNN: ") + e.what() + " (status " + std::to_string(int(e.status)) + ")");
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

}  // namespace adabm
