// Probe, not a test: for every A/B operand type NEGEMMLowpMatrixMultiplyCore's validate() accepts, runs a small
// GEMM with extreme values and counts the results that differ from sum (a + offA) * (b + offB). This is the table
// behind acl_int8_conv.h's choice of operands (README.md lists what ACL 20.08 gave). Build and run:
//   aarch64-linux-gnu-g++ -O2 -std=c++17 -isystem /usr/include/aarch64-linux-gnu acl_operand_types_probe.cpp
//     /usr/lib/aarch64-linux-gnu/libarm_compute-static.a /usr/lib/aarch64-linux-gnu/libarm_compute_core-static.a
//     -lpthread -o probe
//   qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib ./probe
#include <arm_compute/runtime/NEON/functions/NEGEMMLowpMatrixMultiplyCore.h>
#include <arm_compute/runtime/Tensor.h>
#include <cstdio>
#include <random>
#include <vector>

using namespace arm_compute;

int main() {
    const int M = 37, K = 70, N = 19;
    const DataType types[] = {DataType::QASYMM8, DataType::QASYMM8_SIGNED, DataType::QSYMM8, DataType::QSYMM8_PER_CHANNEL};
    const char* names[] = {"QASYMM8", "QASYMM8_SIGNED", "QSYMM8", "QSYMM8_PER_CHANNEL"};
    for (int ai = 0; ai < 2; ++ai)
        for (int bi = 0; bi < 4; ++bi)
            for (int aoff : {0, 5})
                for (int boff : {0, 3}) {
                    if (bi >= 2 && boff != 0) continue;  // symmetric types have no offset
                    const bool aSigned = ai == 1, bSigned = bi != 0;
                    TensorInfo aInfo(TensorShape(K, M), 1, types[ai], QuantizationInfo(1.f, aoff));
                    TensorInfo bInfo(TensorShape(N, K), 1, types[bi],
                                     bi == 3 ? QuantizationInfo(std::vector<float>(N, 1.f)) : QuantizationInfo(1.f, boff));
                    TensorInfo oInfo(TensorShape(N, M), 1, DataType::S32);
                    const GEMMInfo info(false, false, true);
                    const Status st = NEGEMMLowpMatrixMultiplyCore::validate(&aInfo, &bInfo, nullptr, &oInfo, info);
                    std::printf("A %s (offset %d) x B %s (offset %d): %s", names[ai], aoff, names[bi], boff,
                                bool(st) ? "valid" : st.error_description().c_str());
                    if (bool(st)) {
                        Tensor a, b, o;
                        a.allocator()->init(aInfo), b.allocator()->init(bInfo), o.allocator()->init(oInfo);
                        NEGEMMLowpMatrixMultiplyCore f;
                        f.configure(&a, &b, nullptr, &o, info);
                        a.allocator()->allocate(), b.allocator()->allocate(), o.allocator()->allocate();
                        std::mt19937 rng(1);
                        const int aMin = aSigned ? -128 : 0, bMin = bSigned ? -128 : 0;
                        std::vector<int> A(M * K), B(K * N);
                        // an eighth at each end of the type's range, row 0 / column 0 all at the minimum and row 1 /
                        // column 1 all at the maximum: (-128)*(-128) pairs overflow s16 sums, and an unsigned A that
                        // ACL flips to signed turns 0 into -128
                        auto pick = [&](int lo) {
                            const unsigned r = rng() % 8;
                            return r == 0 ? lo : r == 1 ? lo + 255 : lo + int(rng() % 256);
                        };
                        for (auto& v : A) v = pick(aMin);
                        for (auto& v : B) v = pick(bMin);
                        for (int k = 0; k < K; ++k) {
                            A[k] = aMin, A[K + k] = aMin + 255;
                            B[k * N] = bMin, B[k * N + 1] = bMin + 255;
                        }
                        const auto& as = a.info()->strides_in_bytes();
                        const auto& bs = b.info()->strides_in_bytes();
                        const auto& os = o.info()->strides_in_bytes();
                        uint8_t* ap = a.buffer() + a.info()->offset_first_element_in_bytes();
                        uint8_t* bp = b.buffer() + b.info()->offset_first_element_in_bytes();
                        const uint8_t* op = o.buffer() + o.info()->offset_first_element_in_bytes();
                        for (int m = 0; m < M; ++m)
                            for (int k = 0; k < K; ++k) ap[m * as[1] + k] = uint8_t(A[m * K + k]);
                        for (int k = 0; k < K; ++k)
                            for (int n = 0; n < N; ++n) bp[k * bs[1] + n] = uint8_t(B[k * N + n]);
                        f.run();
                        int wrong = 0;
                        for (int m = 0; m < M; ++m)
                            for (int n = 0; n < N; ++n) {
                                long want = 0;
                                for (int k = 0; k < K; ++k) want += long(A[m * K + k] + aoff) * (B[k * N + n] + boff);
                                wrong += *reinterpret_cast<const int32_t*>(op + m * os[1] + 4 * n) != want;
                            }
                        std::printf(", %d of %d results differ from sum (a + offA)(b + offB)", wrong, M * N);
                    }
                    std::printf("\n");
                }
}
