// The exact integer conv on tensor cores (gpu_kernels.h QConvArgs). A block takes output tiles of 8 rows x 32
// columns x (8*NT) output channels, one row per warp, persistently: it keeps its weight slice in shared memory while
// its tiles share an output-channel slice, loads each tile's input halo (all channels) once into shared memory, runs
// the whole K = kh*kw*cp reduction from there with ldmatrix + mma.sync.m16n8k32 (u8 x s8 -> s32: exact), and
// finishes the values in its epilogue. Rows of both shared arrays are padded by 16 bytes so that the eight 16-byte
// rows each ldmatrix phase reads fall into distinct banks.
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

__host__ __device__ inline size_t halo_bytes(int kh, int kw, int cp) {
    return align16(size_t(kTileRows + kh - 1) * size_t(kTileCols + kw - 1) * size_t(cp + 16));
}

// s_w*l*S_in + bias for a pixel whose window leaves the image: S_in sums the tap sums of the taps inside it
__device__ __forceinline__ double border_base(const QConvArgs& a, int oc, int y, int x) {
    const int r0 = max(0, a.padT - y), r1 = min(a.kh, a.h + a.padT - y);
    const int c0 = max(0, a.padL - x), c1 = min(a.kw, a.w + a.padL - x);
    const int32_t* t = a.tapSum + static_cast<long long>(oc) * a.kh * a.kw;
    long long sum = 0;
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) sum += t[r * a.kw + c];
    return __dadd_rn(__dmul_rn(a.borderCoef, double(sum)), double(a.bias[oc]));
}

template <int NT>
__global__ void __launch_bounds__(kThreads) qconv_kernel(const QConvArgs a) {
    extern __shared__ __align__(16) uint8_t smem[];
    const int haloW = kTileCols + a.kw - 1, hs = a.cp + 16, ws = a.k + 16;
    uint8_t* halo = smem;
    uint8_t* wsm = smem + halo_bytes(a.kh, a.kw, a.cp);
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int tilesX = (a.wo + kTileCols - 1) / kTileCols, tilesY = (a.ho + kTileRows - 1) / kTileRows;
    const long long spatial = static_cast<long long>(a.n) * tilesX * tilesY;
    const uint32_t haloBase = static_cast<uint32_t>(__cvta_generic_to_shared(halo));
    const uint32_t wBase = static_cast<uint32_t>(__cvta_generic_to_shared(wsm));
    const int mi = lane >> 3, rr = lane & 7, g = lane >> 2, t4 = lane & 3;
    const int haloH = kTileRows + a.kh - 1, chunks = a.cp / 16, wChunks = a.k / 16;
    int loadedOc = -1;

    for (long long t = blockIdx.x; t < spatial * a.ocTiles; t += gridDim.x) {
        const int ocTile = static_cast<int>(t / spatial);
        long long st = t % spatial;
        const int tx = static_cast<int>(st % tilesX);
        st /= tilesX;
        const int ty = static_cast<int>(st % tilesY), ni = static_cast<int>(st / tilesY);
        const int x0 = tx * kTileCols, y0 = ty * kTileRows;
        __syncthreads();  // the previous tile is done with shared memory
        if (ocTile != loadedOc) {
            const uint4* src = reinterpret_cast<const uint4*>(a.weights + static_cast<long long>(ocTile) * NT * 8 * a.k);
            for (int i = threadIdx.x; i < NT * 8 * wChunks; i += kThreads) {
                const int row = i / wChunks, ch = i % wChunks;
                *reinterpret_cast<uint4*>(wsm + row * ws + ch * 16) = src[static_cast<long long>(row) * wChunks + ch];
            }
            loadedOc = ocTile;
        }
        for (int i = threadIdx.x; i < haloH * haloW * chunks; i += kThreads) {
            const int pix = i / chunks, ch = i % chunks;
            const int iy = y0 - a.padT + pix / haloW, ix = x0 - a.padL + pix % haloW;
            uint4 v = make_uint4(0, 0, 0, 0);  // code 0 outside the image: adds nothing (the border base corrects)
            if (iy >= 0 && iy < a.h && ix >= 0 && ix < a.w)
                v = reinterpret_cast<const uint4*>(a.in + ((static_cast<long long>(ni) * a.h + iy) * a.w + ix) * a.cp)[ch];
            *reinterpret_cast<uint4*>(halo + pix * hs + ch * 16) = v;
        }
        __syncthreads();

        int acc[2][NT][4];
#pragma unroll
        for (int m = 0; m < 2; m++)
#pragma unroll
            for (int j = 0; j < NT; j++)
#pragma unroll
                for (int q = 0; q < 4; q++) acc[m][j][q] = 0;

        for (int r = 0; r < a.kh; r++)
            for (int s = 0; s < a.kw; s++) {
                const int tap = r * a.kw + s;
                uint32_t aAddr[2];
#pragma unroll
                for (int m = 0; m < 2; m++)
                    aAddr[m] = haloBase + ((warp + r) * haloW + m * 16 + (mi & 1) * 8 + rr + s) * hs + (mi >> 1) * 16;
                const uint32_t bRow = wBase + tap * a.cp;
                for (int kc = 0; kc < a.cp / 32; kc++) {
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

        // epilogue: thread holds rows g, g+8 of each m16 tile and columns 2*t4, 2*t4+1 of each n8 tile
        const int y = y0 + warp;
        if (y >= a.ho) continue;
        const double scale = a.scaleOfBits[a.e.bits[ni * a.e.ops + a.op]];
        const bool rowInside = y - a.padT >= 0 && y - a.padT + a.kh <= a.h;
#pragma unroll
        for (int m = 0; m < 2; m++)
#pragma unroll
            for (int half = 0; half < 2; half++) {
                const int x = x0 + m * 16 + g + half * 8;
                if (x >= a.wo) continue;
                const bool inside = rowInside && x - a.padL >= 0 && x - a.padL + a.kw <= a.w;
#pragma unroll
                for (int j = 0; j < NT; j++)
#pragma unroll
                    for (int q = 0; q < 2; q++) {
                        const int oc = ocTile * NT * 8 + j * 8 + t4 * 2 + q;
                        if (oc >= a.outC) continue;
                        int A = acc[m][j][half * 2 + q];
                        if (a.window)
                            A = 2 * A + a.window[((static_cast<long long>(ni) * a.ho + y) * a.wo + x) * a.groups + oc / a.outPerGroup];
                        const double base = inside ? a.interiorBase[oc] : border_base(a, oc, y, x);
                        const float v = __double2float_rn(__dadd_rn(__dmul_rn(scale, double(A)), base));
                        finish_value(a.e, v, ni, y, x, oc, a.outC, a.ho, a.wo);
                    }
            }
    }
}

template <int NT>
void launch(const QConvArgs& a, size_t smem, int32_t smCount, cudaStream_t s) {
    cuda_check(cudaFuncSetAttribute(qconv_kernel<NT>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)),
               "qconv: shared memory of " + std::to_string(smem) + " bytes");
    int perSm = 0;
    cuda_check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, qconv_kernel<NT>, kThreads, smem), "qconv occupancy");
    const long long tiles = static_cast<long long>(a.n) * ((a.wo + kTileCols - 1) / kTileCols) *
                            ((a.ho + kTileRows - 1) / kTileRows) * a.ocTiles;
    const long long grid = std::min<long long>(tiles, static_cast<long long>(std::max(perSm, 1)) * smCount);
    qconv_kernel<NT><<<static_cast<unsigned>(grid), kThreads, smem, s>>>(a);
    cuda_check(cudaGetLastError(), "qconv launch");
}

}  // namespace

void qconv_plan(int32_t outC, int32_t kh, int32_t kw, int32_t cp, int32_t* nt, int32_t* ocTiles, size_t* smemBytes) {
    const int tiles8 = (outC + 7) / 8;
    *nt = tiles8 >= 8 ? 8 : tiles8 >= 4 ? 4 : tiles8 >= 2 ? 2 : 1;
    *ocTiles = (tiles8 + *nt - 1) / *nt;
    const size_t k = size_t(kh) * kw * cp;
    *smemBytes = halo_bytes(kh, kw, cp) + size_t(*nt) * 8 * (k + 16);
}

void launch_qconv(const QConvArgs& a, int32_t nt, size_t smem, int32_t smCount, cudaStream_t s) {
    switch (nt) {
        case 1: launch<1>(a, smem, smCount, s); break;
        case 2: launch<2>(a, smem, smCount, s); break;
        case 4: launch<4>(a, smem, smCount, s); break;
        default: launch<8>(a, smem, smCount, s); break;
    }
}

}  // namespace adabm::gpu
