// The GPU plan's non-integer kernels (gpu_kernels.h): float convs, every other op through one head kernel, the
// bw = 8 window sums, the output layout change, and the image complexity with AdaBM's image-to-bit map.
#include "epilogue.cuh"
#include "gpu_errors.h"
#include <algorithm>
#include <utility>

namespace adabm::gpu {

namespace {

constexpr int kBlock = 256;

unsigned blocks_for(long long count) { return static_cast<unsigned>(std::max<long long>(1, (count + kBlock - 1) / kBlock)); }

// a flat index over outer x d2 x d1 x d0 (d0 fastest) taken apart; kernels are instantiated with 32-bit indices for
// counts below 2^31, since a 64-bit division costs about ten times a 32-bit one
struct Index4 { int inner, x, y, outer; };
template <typename I>
__device__ __forceinline__ Index4 decode(I i, int d0, int d1, int d2) {
    Index4 r;
    r.inner = static_cast<int>(i % d0);
    i /= d0;
    r.x = static_cast<int>(i % d1);
    i /= d1;
    r.y = static_cast<int>(i % d2);
    r.outer = static_cast<int>(i / d2);
    return r;
}

// one thread per value: the 32-bit-index instantiation where count fits, the 64-bit one otherwise
template <typename... P, typename... A>
void launch_flat(long long count, void (*k32)(P...), void (*k64)(P...), cudaStream_t s, A&&... args) {
    if (count + kBlock < (1LL << 31)) k32<<<blocks_for(count), kBlock, 0, s>>>(std::forward<A>(args)...);
    else k64<<<blocks_for(count), kBlock, 0, s>>>(std::forward<A>(args)...);
}

// bw = 8, pass 1: per (image, pixel, group) the sum of the group's input codes (uint4 loads where the group allows)
__global__ void pixel_sums_kernel(const uint8_t* in, long long pixels, int cp, int inC, int groups, int32_t* out) {
    const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= pixels * groups) return;
    const long long pixel = groups == 1 ? i : i / groups;  // no 64-bit division in the common case
    const int g = static_cast<int>(i - pixel * groups), cg = inC / groups;
    const uint8_t* q = in + pixel * cp + g * cg;
    int32_t sum = 0;
    int c = 0;
    if ((g * cg) % 16 == 0)  // 16-byte aligned runs (cp is a multiple of 32): four byte sums per dp4a
        for (; c + 16 <= cg; c += 16) {
            const uint4 v = *reinterpret_cast<const uint4*>(q + c);
            sum = int32_t(__dp4a(v.x, 0x01010101u, uint32_t(sum)));
            sum = int32_t(__dp4a(v.y, 0x01010101u, uint32_t(sum)));
            sum = int32_t(__dp4a(v.z, 0x01010101u, uint32_t(sum)));
            sum = int32_t(__dp4a(v.w, 0x01010101u, uint32_t(sum)));
        }
    for (; c < cg; c++) sum += q[c];
    out[i] = sum;
}

// bw = 8, pass 2: per (image, out pixel, group) the pixel sums under the window, inside the image
template <typename I>
__global__ void window_sums_kernel(const int32_t* pixelSums, int n, int h, int w, int groups, int ho, int wo,
                                   int kh, int kw, int padT, int padL, int32_t* out) {
    const I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= static_cast<I>(n) * ho * wo * groups) return;
    const Index4 at = decode(i, groups, wo, ho);
    const int g = at.inner, xo = at.x, yo = at.y, ni = at.outer;
    int32_t sum = 0;
    for (int r = 0; r < kh; r++) {
        const int iy = yo + r - padT;
        if (iy < 0 || iy >= h) continue;
        for (int s = 0; s < kw; s++) {
            const int ix = xo + s - padL;
            if (ix < 0 || ix >= w) continue;
            sum += pixelSums[((static_cast<long long>(ni) * h + iy) * w + ix) * groups + g];
        }
    }
    out[i] = sum;
}

template <typename I>
__global__ void fconv_kernel(const FConvArgs a) {
    const I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= static_cast<I>(a.n) * a.ho * a.wo * a.outC) return;
    const Index4 at = decode(i, a.outC, a.wo, a.ho);
    const int o = at.inner, xo = at.x, yo = at.y, ni = at.outer;
    const int cg = a.inC / a.groups, og = a.outC / a.groups, g = o / og;
    const float* wo = a.weights + static_cast<long long>(o) * cg * a.kh * a.kw;
    double acc = double(a.bias[o]);
    for (int c = 0; c < cg; c++)
        for (int r = 0; r < a.kh; r++) {
            const int iy = yo + r - a.padT;
            if (iy < 0 || iy >= a.h) continue;
            for (int s = 0; s < a.kw; s++) {
                const int ix = xo + s - a.padL;
                if (ix < 0 || ix >= a.w) continue;
                const double x = double(a.in[((static_cast<long long>(ni) * a.h + iy) * a.w + ix) * a.inC + g * cg + c]);
                acc = __dadd_rn(acc, __dmul_rn(double(wo[(c * a.kh + r) * a.kw + s]), x));
            }
        }
    float levels[kMaxSinks];
    sink_levels(*a.e, ni, levels);
    finish_value(*a.e, levels, __double2float_rn(acc), ni, yo, xo, o, a.outC, a.ho, a.wo);
}

// the head's value of output channel c at (ni, y, x); fused_chain.cpp head_values and simple_ops.cpp in float32
__device__ float head_value(const HeadArgs& a, int ni, int y, int x, int c) {
    const long long same = ((static_cast<long long>(ni) * a.h + y) * a.w + x) * a.c + c;
    switch (a.kind) {
        case HeadArgs::Tensor: return a.in[0][same];
        case HeadArgs::Add: return __fadd_rn(a.in[0][same], a.in[1][same]);
        case HeadArgs::Sub: return __fsub_rn(a.in[0][same], a.in[1][same]);
        case HeadArgs::Concat: {
            int base = 0;
            for (int i = 0; i < kMaxHeadInputs; i++) {
                const int ci = a.channels[i];
                if (i == a.nIn - 1 || c < base + ci)
                    return a.in[i][((static_cast<long long>(ni) * a.h + y) * a.w + x) * ci + (c - base)];
                base += ci;
            }
            return 0.f;
        }
        case HeadArgs::DepthToSpace: {
            const int b = a.block, sub = (y % b) * b + x % b;
            const int ic = a.dcr ? sub * a.c + c : c * b * b + sub;
            return a.in[0][((static_cast<long long>(ni) * a.inH + y / b) * a.inW + x / b) * a.inC + ic];
        }
        case HeadArgs::Pad: {
            int sy = y - a.padT, sx = x - a.padL;
            const bool outside = sy < 0 || sy >= a.inH || sx < 0 || sx >= a.inW;
            if (outside && !a.padEdge) return a.padValue;
            sy = min(max(sy, 0), a.inH - 1);
            sx = min(max(sx, 0), a.inW - 1);
            return a.in[0][((static_cast<long long>(ni) * a.inH + sy) * a.inW + sx) * a.inC + c];
        }
        case HeadArgs::ResizeNearest:
            return a.in[0][((static_cast<long long>(ni) * a.inH + y / a.block) * a.inW + x / a.block) * a.inC + c];
        default:  // InputNchw
            return a.in[0][((static_cast<long long>(ni) * a.c + c) * a.h + y) * a.w + x];
    }
}

template <typename I>
__global__ void head_kernel(const HeadArgs a) {
    const I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= static_cast<I>(a.n) * a.h * a.w * a.c) return;
    const Index4 at = decode(i, a.c, a.w, a.h);
    float levels[kMaxSinks];
    sink_levels(*a.e, at.outer, levels);
    finish_value(*a.e, levels, head_value(a, at.outer, at.y, at.x, at.inner), at.outer, at.y, at.x, at.inner, a.c, a.h, a.w);
}

template <typename I>
__global__ void nhwc_to_nchw_kernel(const float* in, float* out, int n, int c, int h, int w) {
    const I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= static_cast<I>(n) * c * h * w) return;
    const Index4 at = decode(i, w, h, c);  // NCHW: column fastest (inner), then row (x field), then channel (y field)
    const int col = at.inner, row = at.x, ch = at.y;
    out[i] = in[((static_cast<long long>(at.outer) * h + row) * w + col) * c + ch];
}

// ImageComplexity.java: gray = (0.299 R + 0.587 G + 0.114 B) / 255 in double, Sobel / 8 with replicate padding
__device__ double gray_at(const float* img, int h, int w, int y, int x) {
    const long long plane = static_cast<long long>(h) * w, at = static_cast<long long>(y) * w + x;
    const double r = __dmul_rn(0.299, double(img[at])), g = __dmul_rn(0.587, double(img[plane + at]));
    const double b = __dmul_rn(0.114, double(img[2 * plane + at]));
    return __ddiv_rn(__dadd_rn(__dadd_rn(r, g), b), 255.0);
}

__global__ void sobel_sums_kernel(const float* rgb, int h, int w, double* sums) {
    const int ni = blockIdx.y;
    const float* img = rgb + static_cast<long long>(ni) * 3 * h * w;
    const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    double sx = 0, sy = 0;
    if (i < static_cast<long long>(h) * w) {
        const int y = static_cast<int>(i / w), x = static_cast<int>(i % w);
        const int ym = max(y - 1, 0), yp = min(y + 1, h - 1), xm = max(x - 1, 0), xp = min(x + 1, w - 1);
        const double gx = __dadd_rn(__dadd_rn(__dsub_rn(gray_at(img, h, w, ym, xp), gray_at(img, h, w, ym, xm)),
                                              __dmul_rn(2.0, __dsub_rn(gray_at(img, h, w, y, xp), gray_at(img, h, w, y, xm)))),
                                    __dsub_rn(gray_at(img, h, w, yp, xp), gray_at(img, h, w, yp, xm)));
        const double gy = __dadd_rn(__dadd_rn(__dsub_rn(gray_at(img, h, w, yp, xm), gray_at(img, h, w, ym, xm)),
                                              __dmul_rn(2.0, __dsub_rn(gray_at(img, h, w, yp, x), gray_at(img, h, w, ym, x)))),
                                    __dsub_rn(gray_at(img, h, w, yp, xp), gray_at(img, h, w, ym, xp)));
        sx = fabs(gx / 8);
        sy = fabs(gy / 8);
    }
    __shared__ double px[kBlock], py[kBlock];
    px[threadIdx.x] = sx;
    py[threadIdx.x] = sy;
    __syncthreads();
    for (int step = kBlock / 2; step > 0; step /= 2) {
        if (threadIdx.x < step) {
            px[threadIdx.x] += px[threadIdx.x + step];
            py[threadIdx.x] += py[threadIdx.x + step];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        atomicAdd(&sums[2 * ni], px[0]);
        atomicAdd(&sums[2 * ni + 1], py[0]);
    }
}

// BitMaps.imageOffset and LayerQuant.activationBits: complexity 1000 * (sx/n + sy/n) / 2, offset from the thresholds
__global__ void image_bits_kernel(const double* sums, int n, double pixels, int enabled, double tauLow, double tauHigh,
                                  const int32_t* bitsByOffset, int ops, double* complexity, int32_t* offsets, int32_t* bits) {
    const int ni = blockIdx.x;
    if (ni >= n) return;
    const double c = 1000 * __dadd_rn(sums[2 * ni] / pixels, sums[2 * ni + 1] / pixels) / 2;
    const int offset = !enabled ? 0 : c < tauLow ? -1 : c > tauHigh ? 1 : 0;
    if (threadIdx.x == 0) {
        complexity[ni] = c;
        offsets[ni] = offset;
    }
    for (int i = threadIdx.x; i < ops; i += blockDim.x) bits[ni * ops + i] = bitsByOffset[(offset + 1) * ops + i];
}

}  // namespace

void launch_window_sums(const uint8_t* in, int32_t n, int32_t h, int32_t w, int32_t cp, int32_t inC, int32_t groups,
                        int32_t ho, int32_t wo, int32_t kh, int32_t kw, int32_t padT, int32_t padL, int32_t* pixelSums,
                        int32_t* out, cudaStream_t s) {
    const long long pixels = static_cast<long long>(n) * h * w;
    pixel_sums_kernel<<<blocks_for(pixels * groups), kBlock, 0, s>>>(in, pixels, cp, inC, groups, pixelSums);
    cuda_check(cudaGetLastError(), "pixel sums launch");
    launch_flat(static_cast<long long>(n) * ho * wo * groups, window_sums_kernel<int>, window_sums_kernel<long long>, s,
                pixelSums, n, h, w, groups, ho, wo, kh, kw, padT, padL, out);
    cuda_check(cudaGetLastError(), "window sums launch");
}

void launch_fconv(const FConvArgs& a, cudaStream_t s) {
    launch_flat(static_cast<long long>(a.n) * a.ho * a.wo * a.outC, fconv_kernel<int>, fconv_kernel<long long>, s, a);
    cuda_check(cudaGetLastError(), "float conv launch");
}

void launch_head(const HeadArgs& a, cudaStream_t s) {
    launch_flat(static_cast<long long>(a.n) * a.h * a.w * a.c, head_kernel<int>, head_kernel<long long>, s, a);
    cuda_check(cudaGetLastError(), "op kernel launch");
}

void launch_nhwc_to_nchw(const float* in, float* out, int32_t n, int32_t c, int32_t h, int32_t w, cudaStream_t s) {
    launch_flat(static_cast<long long>(n) * c * h * w, nhwc_to_nchw_kernel<int>, nhwc_to_nchw_kernel<long long>, s, in, out, n,
                c, h, w);
    cuda_check(cudaGetLastError(), "output layout launch");
}

void launch_image_bits(const float* rgb, int32_t n, int32_t h, int32_t w, int32_t enabled, double tauLow, double tauHigh,
                       const int32_t* bitsByOffset, int32_t ops, double* sums, double* complexity, int32_t* offsets,
                       int32_t* bits, cudaStream_t s) {
    cuda_check(cudaMemsetAsync(sums, 0, sizeof(double) * 2 * size_t(n), s), "complexity sums reset");
    const dim3 grid(blocks_for(static_cast<long long>(h) * w), static_cast<unsigned>(n));
    sobel_sums_kernel<<<grid, kBlock, 0, s>>>(rgb, h, w, sums);
    cuda_check(cudaGetLastError(), "complexity launch");
    image_bits_kernel<<<static_cast<unsigned>(n), 128, 0, s>>>(sums, n, double(h) * w, enabled, tauLow, tauHigh, bitsByOffset,
                                                              ops, complexity, offsets, bits);
    cuda_check(cudaGetLastError(), "image bits launch");
}

}  // namespace adabm::gpu
