#include "cpu_facts.h"
#include "errors.h"
#if defined(ADABM_BACKEND_ACL)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#else
#include <oneapi/dnnl/dnnl.hpp>
#endif
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace adabm {

#if defined(ADABM_BACKEND_ACL)
// aarch64: the Advanced SIMD extensions that int8 and float kernels care about, from the kernel's HWCAP bits
std::string effective_cpu_isa() {
    const unsigned long caps = getauxval(AT_HWCAP);
    std::string isa = "aarch64";
    if (caps & HWCAP_ASIMD) isa += "+asimd";
    if (caps & HWCAP_ASIMDHP) isa += "+fp16";
    if (caps & HWCAP_ASIMDDP) isa += "+dotprod";
    if (caps & HWCAP_SVE) isa += "+sve";
    return isa;
}
#else
std::string effective_cpu_isa() {
    switch (dnnl::get_effective_cpu_isa()) {
        case dnnl::cpu_isa::isa_default: return "default";
        case dnnl::cpu_isa::sse41: return "sse41";
        case dnnl::cpu_isa::avx: return "avx";
        case dnnl::cpu_isa::avx2: return "avx2";
        case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
        case dnnl::cpu_isa::avx2_vnni_2: return "avx2_vnni_2";
        case dnnl::cpu_isa::avx512_core: return "avx512_core";
        case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
        case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
        case dnnl::cpu_isa::avx10_1_512: return "avx10_1_512";
        case dnnl::cpu_isa::avx10_1_512_amx: return "avx10_1_512_amx";
        case dnnl::cpu_isa::avx10_1_512_amx_fp16: return "avx10_1_512_amx_fp16";
        default: return "isa 0x" + [] {
            char hex[16];
            std::snprintf(hex, sizeof hex, "%x", unsigned(dnnl::get_effective_cpu_isa()));
            return std::string(hex);
        }();
    }
}
#endif

namespace {

constexpr uint64_t kAddsPerIteration = 64;

// iterations x 64 dependent adds; the loop counter and branch run beside the chain on other ALUs
uint64_t add_chain(uint64_t iterations) {
    uint64_t x = 0;
    for (uint64_t i = 0; i < iterations; i++) {
#if defined(__x86_64__)
        asm volatile(".rept 64\n\taddq $1, %0\n\t.endr" : "+r"(x));
#elif defined(__aarch64__)
        asm volatile(".rept 64\n\tadd %0, %0, #1\n\t.endr" : "+r"(x));
#else
        throw ArgumentError("the clock measurement needs x86-64 or aarch64");
#endif
    }
    return x;
}

double seconds_for(uint64_t iterations) {
    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t x = add_chain(iterations);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (x != iterations * kAddsPerIteration) throw std::logic_error("add chain miscounted");
    return s;
}

}  // namespace

double measure_clock_hz(int millis) {
    millis = std::clamp(millis, 1, 2000);
    constexpr int kRounds = 5;
    // calibrate: grow a probe until it takes at least 1 ms, then size the rounds from its rate
    uint64_t probe = 1 << 12;
    double s = seconds_for(probe);
    while (s < 1e-3 && probe < (uint64_t(1) << 40)) s = seconds_for(probe *= 4);
    const uint64_t perRound = std::max<uint64_t>(1, uint64_t(double(probe) / s * (millis / 1e3) / kRounds));
    double best = 0;
    for (int r = 0; r < kRounds; r++) best = std::max(best, double(perRound * kAddsPerIteration) / seconds_for(perRound));
    return best;
}

}  // namespace adabm
