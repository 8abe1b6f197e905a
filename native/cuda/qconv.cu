// The exact integer conv on tensor cores (gpu_kernels.h QConvArgs). A block takes output tiles of 8 rows x 32
// columns x (8*NT) output channels, one row per warp, persistently: it keeps its weight slice in shared memory while
// its tiles share an output-channel slice, loads each tile's input halo (all channels) once into shared memory, runs
// the whole K = kh*kw*cp reduction from there with ldmatrix + mma.sync.m16n8k32 (u8 x s8 -> s32: exact), and
// finishes the values in its epilogue. Rows of both shared arrays are padded by 16 bytes so that the eight 16-byte
// rows each ldmatrix phase reads fall into distinct banks. 3x3 convs over 64 padded channels get a compile-time
// geometry (Geometry): their main loop unrolls completely.
// Measured on an H200 (ncu, EDSR-8 body convs): the epilogue, not the tensor-core loop, takes most of the issued
// instructions; hence its shape: the descriptor in the kernel parameters (constant bank), per-tile constants hoisted,
// border pixels through a call, one copy of the finishing code for both m16 tiles, and the division's reciprocal
// hoisted (epilogue.cuh exact_quotient).
#include "epilogue.cuh"
#include "gpu_errors.h"
#include <algorithm>

namespace adabm::gpu {

namespace {

constexpr int kTileRows = 8;   // one per warp
constexpr int kTileCols = 32;  // two m16 tiles per warp
constexpr int kThreads = kTileRows * 32;

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}

__device__ __forceinline__ void ldmatrix_x2(uint32_t& r0, uint32_t& r1, uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0,%1}, [%2];\n" : "=r"(r0), "=r"(r1) : "r"(addr));
}

__device__ __forceinline__ void mma_u8s8(int (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#else
    __trap();  // the host refuses devices below sm_80 before launching
#endif
}

__host__ __device__ constexpr size_t align16(size_t v) { return (v + 15) & ~size_t(15); }

// one of the two halo buffers: the tile's input halo while it computes, the warps' staged values in its epilogue
__host__ __device__ inline size_t halo_bytes(int kh, int kw, int cp, int nt) {
    const size_t halo = size_t(kTileRows + kh - 1) * size_t(kTileCols + kw - 1) * size_t(cp + 16);
    const size_t staged = size_t(kTileRows) * 16 * size_t(nt * 8 + 4) * sizeof(float);
    return align16(halo > staged ? halo : staged);
}

// 16 bytes global -> shared without passing through registers; src_size 0 writes zeros (outside the image)
__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, int srcSize) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(dst), "l"(src), "r"(srcSize) : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
__device__ __forceinline__ void cp_async_wait_one() { asm volatile("cp.async.wait_group 1;\n" ::: "memory"); }

// s_w*l*S_in + bias for a pixel whose window leaves the image: S_in sums the tap sums of the taps inside it. Not
// inlined: the epilogue has 16*NT call sites, and only border pixels take them (inlined, they made the kernel's code
// several times larger than the instruction cache).
__device__ __noinline__ double border_base(const int32_t* tapSum, const float* bias, double borderCoef, int kh, int kw,
                                           int h, int w, int padT, int padL, int oc, int y, int x) {
    const int r0 = max(0, padT - y), r1 = min(kh, h + padT - y);
    const int c0 = max(0, padL - x), c1 = min(kw, w + padL - x);
    const int32_t* t = tapSum + static_cast<long long>(oc) * kh * kw;
    long long sum = 0;
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) sum += t[r * kw + c];
    return __dadd_rn(__dmul_rn(borderCoef, double(sum)), double(bias[oc]));
}

// The conv's kernel size and padded input channels: the runtime arguments, or compile-time constants (KS x KS, KC
// 32-channel chunks) for the hot 3x3 64-channel convs, whose main loop then unrolls completely and whose index
// arithmetic divides by constants.
template <int KS, int KC>
struct Geometry {
    int kh, kw, cp;
    __device__ explicit Geometry(const QConvArgs& a)
        : kh(KS ? KS : a.kh), kw(KS ? KS : a.kw), cp(KC ? KC * 32 : a.cp) {}
};

// the halo of tile t (all input channels of rows y0-padT.. and columns x0-padL..) into a halo buffer, asynchronously
template <int KS, int KC>
__device__ __forceinline__ void issue_halo(const QConvArgs& a, const Geometry<KS, KC>& gm, int t, int spatial, int tilesX,
                                           int tilesY, uint32_t dst) {
    const int st = t % spatial, tx = st % tilesX, ty = (st / tilesX) % tilesY, ni = st / tilesX / tilesY;
    const int haloW = kTileCols + gm.kw - 1, haloH = kTileRows + gm.kh - 1, hs = gm.cp + 16, chunks = gm.cp / 16;
    const int y0 = ty * kTileRows - a.padT, x0 = tx * kTileCols - a.padL;
    for (int i = threadIdx.x; i < haloH * haloW * chunks; i += kThreads) {
        const int pix = i / chunks, ch = i % chunks;
        const int iy = y0 + pix / haloW, ix = x0 + pix % haloW;
        const bool inside = iy >= 0 && iy < a.h && ix >= 0 && ix < a.w;
        // code 0 outside the image: adds nothing (the border base corrects)
        const uint8_t* src = inside ? a.in + ((static_cast<long long>(ni) * a.h + iy) * a.w + ix) * gm.cp + ch * 16 : a.in;
        cp_async16(dst + pix * hs + ch * 16, src, inside ? 16 : 0);
    }
}

template <int NT, int KS, int KC>
__global__ void __launch_bounds__(kThreads, 2) qconv_kernel(const __grid_constant__ QConvArgs a) {
    extern __shared__ __align__(16) uint8_t smem[];
    const Geometry<KS, KC> gm(a);
    const int haloW = kTileCols + gm.kw - 1, hs = gm.cp + 16, ws = a.k + 16;
    const size_t haloSize = halo_bytes(gm.kh, gm.kw, gm.cp, NT);
    uint8_t* wsm = smem + 2 * haloSize;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int tilesX = (a.wo + kTileCols - 1) / kTileCols, tilesY = (a.ho + kTileRows - 1) / kTileRows;
    const int spatial = a.n * tilesX * tilesY;  // launch_qconv checks that all tiles fit int32
    const int total = spatial * a.ocTiles;
    const uint32_t smemBase = static_cast<uint32_t>(__cvta_generic_to_shared(smem));
    const uint32_t wBase = static_cast<uint32_t>(__cvta_generic_to_shared(wsm));
    const int mi = lane >> 3, rr = lane & 7, g = lane >> 2, t4 = lane & 3;
    const int wChunks = a.k / 16;
    constexpr int kStride = NT * 8 + 4;  // floats per staged pixel (epilogue): 16-byte rows, spread over the banks
    double* baseSm = reinterpret_cast<double*>(wsm + align16(size_t(NT) * 8 * ws));  // interior base of the slice
    int loadedOc = -1;

    // software pipeline: while tile t computes, the halo of the block's next tile is on its way into the other buffer
    if (static_cast<int>(blockIdx.x) < total) issue_halo(a, gm, blockIdx.x, spatial, tilesX, tilesY, smemBase);
    cp_async_commit();
    int buf = 0;
    for (int t = blockIdx.x; t < total; t += gridDim.x, buf ^= 1) {
        const int ocTile = t / spatial;
        int st = t % spatial;
        const int tx = st % tilesX;
        st /= tilesX;
        const int ty = st % tilesY, ni = st / tilesY;
        const int x0 = tx * kTileCols, y0 = ty * kTileRows;
        if (ocTile != loadedOc) {  // the previous tile ended with a barrier: nobody reads the weights now
            const uint4* src = reinterpret_cast<const uint4*>(a.weights + static_cast<long long>(ocTile) * NT * 8 * a.k);
            for (int i = threadIdx.x; i < NT * 8 * wChunks; i += kThreads) {
                const int row = i / wChunks, ch = i % wChunks;
                *reinterpret_cast<uint4*>(wsm + row * ws + ch * 16) = src[static_cast<long long>(row) * wChunks + ch];
            }
            for (int i = threadIdx.x; i < NT * 8; i += kThreads)
                baseSm[i] = ocTile * NT * 8 + i < a.outC ? a.interiorBase[ocTile * NT * 8 + i] : 0.0;
            loadedOc = ocTile;
        }
        if (t + static_cast<int>(gridDim.x) < total)
            issue_halo(a, gm, t + gridDim.x, spatial, tilesX, tilesY, smemBase + static_cast<uint32_t>((buf ^ 1) * haloSize));
        cp_async_commit();
        cp_async_wait_one();  // this thread's copies of tile t have landed
        __syncthreads();      // everyone's have, and the weights
        const uint32_t haloBase = smemBase + static_cast<uint32_t>(buf * haloSize);

        int acc[2][NT][4];
#pragma unroll
        for (int m = 0; m < 2; m++)
#pragma unroll
            for (int j = 0; j < NT; j++)
#pragma unroll
                for (int q = 0; q < 4; q++) acc[m][j][q] = 0;

#pragma unroll
        for (int r = 0; r < gm.kh; r++)
#pragma unroll
            for (int s = 0; s < gm.kw; s++) {
                const int tap = r * gm.kw + s;
                uint32_t aAddr[2];
#pragma unroll
                for (int m = 0; m < 2; m++)
                    aAddr[m] = haloBase + ((warp + r) * haloW + m * 16 + (mi & 1) * 8 + rr + s) * hs + (mi >> 1) * 16;
                const uint32_t bRow = wBase + tap * gm.cp;
#pragma unroll
                for (int kc = 0; kc < gm.cp / 32; kc++) {
                    uint32_t af[2][4];
                    ldmatrix_x4(af[0], aAddr[0] + kc * 32);
                    ldmatrix_x4(af[1], aAddr[1] + kc * 32);
                    uint32_t bf[NT][2];
                    if constexpr (NT == 1) {
                        ldmatrix_x2(bf[0][0], bf[0][1], bRow + rr * ws + kc * 32 + (mi & 1) * 16);
                    } else {
#pragma unroll
                        for (int j = 0; j < NT / 2; j++) {
                            uint32_t b4[4];
                            ldmatrix_x4(b4, bRow + (j * 16 + (mi >> 1) * 8 + rr) * ws + kc * 32 + (mi & 1) * 16);
                            bf[2 * j][0] = b4[0];
                            bf[2 * j][1] = b4[1];
                            bf[2 * j + 1][0] = b4[2];
                            bf[2 * j + 1][1] = b4[3];
                        }
                    }
#pragma unroll
                    for (int m = 0; m < 2; m++)
#pragma unroll
                        for (int j = 0; j < NT; j++) mma_u8s8(acc[m][j], af[m], bf[j][0], bf[j][1]);
                }
            }

        // epilogue, one m16 tile (16 pixels of the warp's row) at a time: each thread turns its accumulators (rows g,
        // g+8; columns 2*t4, 2*t4+1 of each n8 tile) into exact float values in the warp's staging rows; then the warp
        // finishes them four channels at a time (finish_values4: vector loads and stores of whole pixel runs)
        __syncthreads();  // every warp is done with the halo: its buffer takes the staged values
        const int y = y0 + warp;
        if (y < a.ho) {
        const double scale = a.scaleOfBits[a.e.bits[ni * a.e.ops + a.op]];
        float levels[kMaxSinks];
        sink_levels(a.e, ni, levels);
        const bool rowInside = y - a.padT >= 0 && y - a.padT + gm.kh <= a.h;
        float* staged = reinterpret_cast<float*>(smem + buf * haloSize) + warp * 16 * kStride;
        // one copy of the epilogue's code for both m16 tiles: the loop is not unrolled, and the second tile's
        // accumulators move into the first's registers after the first pass (a runtime acc[m] would live in memory)
#pragma unroll 1
        for (int m = 0; m < 2; m++) {
#pragma unroll
            for (int half = 0; half < 2; half++) {
                const int p = g + half * 8, x = min(x0 + m * 16 + p, a.wo - 1);  // columns past the image: unused
                const bool inside = rowInside && x - a.padL >= 0 && x - a.padL + gm.kw <= a.w;
                // bw = 8: A = 2*acc + the codes' window sum (one per pixel unless the conv has groups)
                const int32_t* window = a.window ? a.window + ((static_cast<long long>(ni) * a.ho + y) * a.wo + x) * a.groups : nullptr;
                const int accScale = window ? 2 : 1, pixelWindow = window ? window[0] : 0;
                const auto value = [&](int j, int q, int windowSum, double base) {
                    const int A = accScale * acc[0][j][half * 2 + q] + windowSum;
                    return __double2float_rn(__dadd_rn(__dmul_rn(scale, double(A)), base));
                };
                float* row = staged + p * kStride + t4 * 2;
                if (inside && (!window || a.groups == 1)) {  // a warp diverges here only at the image border
#pragma unroll
                    for (int j = 0; j < NT; j++) {
                        const double2 base = *reinterpret_cast<const double2*>(baseSm + j * 8 + t4 * 2);
                        *reinterpret_cast<float2*>(row + j * 8) =
                            make_float2(value(j, 0, pixelWindow, base.x), value(j, 1, pixelWindow, base.y));
                    }
                } else {
#pragma unroll
                    for (int j = 0; j < NT; j++) {
                        float v2[2];
#pragma unroll
                        for (int q = 0; q < 2; q++) {
                            const int oc = min(ocTile * NT * 8 + j * 8 + t4 * 2 + q, a.outC - 1);  // padded columns: unused
                            const int windowSum = window ? window[oc / a.outPerGroup] : 0;
                            const double base = inside ? baseSm[j * 8 + t4 * 2 + q]
                                                       : border_base(a.tapSum, a.bias, a.borderCoef, a.kh, a.kw, a.h, a.w, a.padT, a.padL, oc, y, x);
                            v2[q] = value(j, q, windowSum, base);
                        }
                        *reinterpret_cast<float2*>(row + j * 8) = make_float2(v2[0], v2[1]);
                    }
                }
            }
            __syncwarp();
            // each lane keeps one 4-channel group of the slice and takes every kStep-th of the 16 pixels: the
            // channel arithmetic once per pass, the flat pixel index by increments. (Passing several pixels through
            // each stage and sink at once, so that descriptors are read once per pass, cut the instructions by a
            // fifth but spilled registers and ran slower on an H200: measured 39.0-40.6 against 41.4 frames/s.)
            constexpr int kGroups = NT * 2, kStep = 32 / kGroups;
            const int c4 = lane % kGroups, oc = ocTile * NT * 8 + c4 * 4, count = min(4, a.outC - oc);
            const int xBase = x0 + m * 16, xEnd = min(16, a.wo - xBase);
            const long long rowPixel = (static_cast<long long>(ni) * a.ho + y) * a.wo + xBase;
            if (count > 0) {
#pragma unroll 1
                for (int p = lane / kGroups; p < xEnd; p += kStep)
                    finish_values4(a.e, levels, *reinterpret_cast<const float4*>(staged + p * kStride + c4 * 4), count,
                                   rowPixel + p, ni, y, xBase + p, oc, a.outC, a.ho, a.wo);
            }
            __syncwarp();
#pragma unroll
            for (int j = 0; j < NT; j++)
#pragma unroll
                for (int q = 0; q < 4; q++) acc[0][j][q] = acc[1][j][q];
        }
        }
        __syncthreads();  // the buffer is free for the halo the next iteration issues into it
    }
}

using Kernel = void (*)(QConvArgs);

// the kernel for a conv: compile-time geometry for 3x3 convs over 64 padded channels (EDSR-like bodies, the x2
// upsampling convs, the 64->3 tails), the runtime one otherwise
template <int NT>
Kernel kernel_for(int32_t kh, int32_t kw, int32_t cp) {
    if (kh == 3 && kw == 3 && cp == 64) return qconv_kernel<NT, 3, 2>;
    return qconv_kernel<NT, 0, 0>;
}

Kernel kernel_for(int32_t nt, int32_t kh, int32_t kw, int32_t cp) {
    switch (nt) {
        case 1: return kernel_for<1>(kh, kw, cp);
        case 2: return kernel_for<2>(kh, kw, cp);
        case 4: return kernel_for<4>(kh, kw, cp);
        default: return kernel_for<8>(kh, kw, cp);
    }
}

}  // namespace

void qconv_plan(int32_t outC, int32_t kh, int32_t kw, int32_t cp, size_t maxSmem, int32_t* nt, int32_t* ocTiles,
                size_t* smemBytes) {
    const int tiles8 = (outC + 7) / 8;
    *nt = tiles8 >= 8 ? 8 : tiles8 >= 4 ? 4 : tiles8 >= 2 ? 2 : 1;
    const size_t k = size_t(kh) * kw * cp;
    for (;;) {
        // two halo buffers (each also holds the epilogue's staged values), weights, the slice's interior bases
        *smemBytes = 2 * halo_bytes(kh, kw, cp, *nt) + align16(size_t(*nt) * 8 * (k + 16)) + size_t(*nt) * 8 * sizeof(double);
        if (*smemBytes <= maxSmem || *nt == 1) break;
        *nt /= 2;  // fewer output channels per tile: a smaller weight slice
    }
    *ocTiles = (tiles8 + *nt - 1) / *nt;
}

int32_t qconv_blocks_per_sm(int32_t nt, int32_t kh, int32_t kw, int32_t cp, size_t smem, size_t maxSmem) {
    // once per conv: opt into the device's whole shared memory, so that any conv's smem may launch
    const Kernel k = kernel_for(nt, kh, kw, cp);
    cuda_check(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, int(maxSmem)),
               "qconv: shared memory of " + std::to_string(maxSmem) + " bytes");
    int perSm = 0;
    cuda_check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, k, kThreads, smem), "qconv occupancy");
    return std::max(perSm, 1);
}

void launch_qconv(const QConvArgs& a, int32_t nt, size_t smem, int32_t residentBlocks, cudaStream_t s) {
    const long long tiles = static_cast<long long>(a.n) * ((a.wo + kTileCols - 1) / kTileCols) *
                            ((a.ho + kTileRows - 1) / kTileRows) * a.ocTiles;
    if (tiles >= (1LL << 31)) throw UnsupportedError("qconv: " + std::to_string(tiles) + " output tiles exceed int32");
    const long long grid = std::min<long long>(tiles, residentBlocks);
    kernel_for(nt, a.kh, a.kw, a.cp)<<<static_cast<unsigned>(grid), kThreads, smem, s>>>(a);
    cuda_check(cudaGetLastError(), "qconv launch");
}

}  // namespace adabm::gpu
