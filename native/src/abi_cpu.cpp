// C entry points of cpu_facts.h.
#include "abi_guard.h"
#include "cpu_facts.h"

extern "C" int32_t adabm_effective_cpu_isa(char* buf, size_t capacity) {
    int32_t length = 0;
    int32_t rc = adabm::guarded([&] { length = adabm::copy_text(adabm::effective_cpu_isa(), buf, capacity); });
    return rc == ADABM_OK ? length : rc;
}

extern "C" int32_t adabm_measure_clock_hz(int32_t millis, double* out_hz) {
    return adabm::guarded([&] {
        if (!out_hz) throw adabm::ArgumentError("out_hz is null");
        *out_hz = adabm::measure_clock_hz(millis);
    });
}
