// adabm_gpu_check quotient: the epilogue's reciprocal-based division and quantizer (epilogue.cuh exact_quotient,
// code_of with a SinkQuant) against __fdiv_rn and the quantizer formula written out with it, exhaustively: every float
// dividend in [0, range] for several ranges, and every one of the 2^32 float inputs for several quantizers.
#include "../../native/cuda/epilogue.cuh"
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

using adabm::gpu::SinkQuant;

// the oracle: activation_codes.h's formula, one correctly rounded float operation at a time
__device__ uint8_t reference_code(float x, float l, float u, float levels, bool relu) {
    const float lower = relu ? (l < 0.f ? 0.f : l) : l;
    const float m = lower < x ? x : lower;
    const float c = m < u ? m : u;
    return uint8_t(__float2int_rn(__fmul_rn(__fdiv_rn(__fsub_rn(c, l), __fsub_rn(u, l)), levels)));
}

__global__ void quotient_kernel(float range, uint32_t count, unsigned long long* mismatches) {
    adabm::gpu::Sink s;
    s.l = 0.f;
    s.u = range;
    const SinkQuant q = adabm::gpu::sink_quant(s, 255.f);
    for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
        const float num = __uint_as_float(i);  // the floats 0 .. range in bit order
        const float fast = adabm::gpu::exact_quotient(num, q), exact = __fdiv_rn(num, q.range);
        if (__float_as_uint(fast) != __float_as_uint(exact)) atomicAdd(mismatches, 1ull);
    }
}

__global__ void codes_kernel(float l, float u, int bits, int relu, unsigned long long* mismatches) {
    adabm::gpu::Sink s;
    s.l = l;
    s.u = u;
    s.relu = relu;
    const float levels = float((1 << bits) - 1);
    const SinkQuant q = adabm::gpu::sink_quant(s, levels);
    const uint64_t stride = uint64_t(gridDim.x) * blockDim.x;
    for (uint64_t i = uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (1ull << 32); i += stride) {
        const float x = __uint_as_float(uint32_t(i));  // every float: NaNs, infinities, both zeros included
        if (adabm::gpu::code_of(x, q) != reference_code(x, l, u, levels, relu != 0)) atomicAdd(mismatches, 1ull);
    }
}

unsigned long long run_quotient(float range) {
    unsigned long long* d = nullptr;
    unsigned long long h = 0;
    cudaMalloc(&d, sizeof h);
    cudaMemset(d, 0, sizeof h);
    uint32_t bits;
    std::memcpy(&bits, &range, sizeof bits);
    quotient_kernel<<<4096, 256>>>(range, bits + 1, d);
    cudaMemcpy(&h, d, sizeof h, cudaMemcpyDeviceToHost);
    cudaFree(d);
    return h;
}

unsigned long long run_codes(float l, float u, int bits, int relu) {
    unsigned long long* d = nullptr;
    unsigned long long h = 0;
    cudaMalloc(&d, sizeof h);
    cudaMemset(d, 0, sizeof h);
    codes_kernel<<<8192, 256>>>(l, u, bits, relu, d);
    cudaMemcpy(&h, d, sizeof h, cudaMemcpyDeviceToHost);
    cudaFree(d);
    return h;
}

}  // namespace

int quotient_check() {
    int failures = 0;
    const float ranges[] = {1.f, 1.0000001f, 0.99999994f, 3.f, 7.3f, 12.345678f, 0.015625f, 0.0123f, 255.f, 1000.5f,
                            0x1p-32f, 0x1.000002p-32f, 0x1p32f, 0x1.fffffep31f, 0x1p-40f, 0x1p40f};
    for (float r : ranges) {
        const unsigned long long m = run_quotient(r);
        std::printf("%s quotient: every dividend in [0, %a]: %llu differ from __fdiv_rn\n", m ? "FAIL" : "PASS", r, m);
        failures += m != 0;
    }
    struct Q { float l, u; int bits, relu; };
    const Q quants[] = {{0.f, 2.5f, 4, 1}, {-0.75f, 3.2f, 4, 0}, {-0.75f, 3.2f, 4, 1}, {-1.f, 1.f, 8, 0},
                        {0.013f, 0.9f, 2, 0}, {-20.f, -3.f, 6, 1}, {0x1p-40f, 0x1p-39f, 3, 0}};
    for (const Q& q : quants) {
        const unsigned long long m = run_codes(q.l, q.u, q.bits, q.relu);
        std::printf("%s codes: every float through [%g, %g] at %d bits%s: %llu differ from the formula\n", m ? "FAIL" : "PASS",
                    q.l, q.u, q.bits, q.relu ? " (relu)" : "", m);
        failures += m != 0;
    }
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) {
        std::printf("FAIL quotient: %s\n", cudaGetErrorString(err));
        failures++;
    }
    return failures;
}
