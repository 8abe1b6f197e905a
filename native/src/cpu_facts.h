// Facts about the CPU that a profile is read against: the effective ISA and the core clock.
#pragma once
#include <string>

namespace adabm {

// x86-64: oneDNN's effective ISA in lower case ("avx2", "avx512_core_vnni", ...): the CPU's, capped by
// ONEDNN_MAX_CPU_ISA. aarch64: "aarch64" and the SIMD extensions the kernel reports ("+asimd+dotprod", ...).
std::string effective_cpu_isa();

// Clock of the core running the calling thread in Hz: a chain of dependent integer adds retires one add per cycle
// (latency 1 on every x86-64 core of the last decade and on Arm's Cortex-A/Neoverse cores), so adds per second is
// cycles per second. The best of a few timed rounds of about `millis` ms in total is kept: an interrupt or a
// descheduled vCPU only ever lowers a round.
double measure_clock_hz(int millis);

}  // namespace adabm
