#include "acl_int8_conv.h"

#include <arm_compute/runtime/NEON/NEScheduler.h>
#include <algorithm>
#include <cstring>

namespace adabm {

using arm_compute::DataType;
using arm_compute::QuantizationInfo;
using arm_compute::Tensor;
using arm_compute::TensorInfo;
using arm_compute::TensorShape;

struct AclInt8Conv::Block {
    int64_t rows = 0;
    struct Gemm {
        Tensor a, b, out;
        arm_compute::NEGEMMLowpMatrixMultiplyCore function;
    };
    std::vector<std::unique_ptr<Gemm>> groups;
};

AclInt8Conv::AclInt8Conv(const AclConvShape& s, const int8_t* codes, int64_t blockRows) : s_(s), blockRows_(blockRows) {
    check_conv_shape(s, "AclInt8Conv");
    if (codes == nullptr) throw ArgumentError("AclInt8Conv: null weight codes for conv " + describe(s));
    if (blockRows < 1) throw ArgumentError("AclInt8Conv: block rows must be positive for conv " + describe(s));
    cg_ = s.inC / s.groups;
    ng_ = s.outC / s.groups;
    k_ = s.kh * s.kw * cg_;
    if (k_ > kMaxK)
        throw ShapeError("AclInt8Conv: GEMM depth " + std::to_string(k_) + " exceeds " + std::to_string(kMaxK) +
                         " (s32 sums of u8 products could overflow) for conv " + describe(s));
    weights_.resize(size_t(s.groups * k_ * ng_));
    for (int64_t g = 0; g < s.groups; ++g)
        for (int64_t o = 0; o < ng_; ++o)
            for (int64_t ci = 0; ci < cg_; ++ci)
                for (int64_t ky = 0; ky < s.kh; ++ky)
                    for (int64_t kx = 0; kx < s.kw; ++kx) {
                        const int64_t k = (ky * s.kw + kx) * cg_ + ci;
                        const int code = codes[(((g * ng_ + o) * cg_ + ci) * s.kh + ky) * s.kw + kx];
                        weights_[size_t((g * k_ + k) * ng_ + o)] = uint8_t(code + 128);
                    }
}

AclInt8Conv::~AclInt8Conv() = default;

AclInt8Conv::Block& AclInt8Conv::block_for(int64_t rows) {
    for (auto it = blocks_.begin(); it != blocks_.end(); ++it)
        if ((*it)->rows == rows) {
            blocks_.splice(blocks_.begin(), blocks_, it);
            return *blocks_.front();
        }
    auto block = std::make_unique<Block>();
    block->rows = rows;
    // A: rows x K u8 activations, offset 0. B: K x ng u8 (code + 128), offset -128 (ACL multiplies (a + offA) and
    // (b + offB), measured: see the header). No output stage: S32 out.
    const TensorInfo aInfo(TensorShape(size_t(k_), size_t(rows)), 1, DataType::QASYMM8, QuantizationInfo(1.f, 0));
    const TensorInfo bInfo(TensorShape(size_t(ng_), size_t(k_)), 1, DataType::QASYMM8, QuantizationInfo(1.f, -128));
    const TensorInfo outInfo(TensorShape(size_t(ng_), size_t(rows)), 1, DataType::S32);
    const arm_compute::GEMMInfo info(false, false, /*reshape_b_only_on_first_run=*/true);
    throw_if_refused(arm_compute::NEGEMMLowpMatrixMultiplyCore::validate(&aInfo, &bInfo, nullptr, &outInfo, info), s_,
                     "NEGEMMLowpMatrixMultiplyCore");
    acl_call(s_, "NEGEMMLowpMatrixMultiplyCore", [&] {
        for (int64_t g = 0; g < s_.groups; ++g) {
            auto gemm = std::make_unique<Block::Gemm>();
            gemm->a.allocator()->init(aInfo);
            gemm->b.allocator()->init(bInfo);
            gemm->out.allocator()->init(outInfo);
            gemm->function.configure(&gemm->a, &gemm->b, nullptr, &gemm->out, info);
            // allocated after configure: configure widens the tensors' padding to what its kernels need
            gemm->a.allocator()->allocate();
            gemm->b.allocator()->allocate();
            gemm->out.allocator()->allocate();
            for (int64_t k = 0; k < k_; ++k)
                std::memcpy(element_at(gemm->b, 0, k), &weights_[size_t((g * k_ + k) * ng_)], size_t(ng_));
            block->groups.push_back(std::move(gemm));
        }
    });
    blocks_.push_front(std::move(block));
    if (blocks_.size() > kMaxCachedBlocks) blocks_.pop_back();
    return *blocks_.front();
}

void AclInt8Conv::im2col(const uint8_t* in, int64_t h, int64_t w, int64_t ho, int64_t wo, int64_t firstRow,
                         int64_t rows, int64_t group, Tensor& a, int64_t firstTensorRow) const {
    const size_t run = size_t(cg_);
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t m = firstRow + r;
        const int64_t b = m / (ho * wo), y = (m / wo) % ho, x = m % wo;
        uint8_t* dst = element_at(a, 0, firstTensorRow + r);
        for (int64_t ky = 0; ky < s_.kh; ++ky) {
            const int64_t iy = y - s_.padT + ky;
            for (int64_t kx = 0; kx < s_.kw; ++kx, dst += run) {
                const int64_t ix = x - s_.padL + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                    std::memset(dst, 0, run);  // padding: code 0 adds nothing (the offset term sees a 0 too)
                else
                    std::memcpy(dst, in + ((b * h + iy) * w + ix) * s_.inC + group * cg_, run);
            }
        }
    }
}

void AclInt8Conv::run(const uint8_t* in, int64_t n, int64_t h, int64_t w, int32_t* acc) {
    if (in == nullptr || acc == nullptr) throw ArgumentError("AclInt8Conv::run: null buffer for conv " + describe(s_));
    acl_follow_omp_threads();
    int64_t ho, wo;
    conv_output_size(s_, n, h, w, &ho, &wo);
    const int64_t m = n * ho * wo;
    for (int64_t first = 0; first < m; first += blockRows_) {
        const int64_t rows = std::min(blockRows_, m - first);
        Block& block = block_for(rows);
        for (int64_t g = 0; g < s_.groups; ++g) {
            Block::Gemm& gemm = *block.groups[size_t(g)];
            parallel_ranges(rows, kRowsPerTask, [&](int64_t r0, int64_t r1) {
                im2col(in, h, w, ho, wo, first + r0, r1 - r0, g, gemm.a, r0);
            });
            acl_call(s_, "NEGEMMLowpMatrixMultiplyCore", [&] { gemm.function.run(); });
            parallel_ranges(rows, kRowsPerTask, [&](int64_t r0, int64_t r1) {
                for (int64_t r = r0; r < r1; ++r)
                    std::memcpy(acc + (first + r) * s_.outC + g * ng_, element_at(gemm.out, 0, r), size_t(ng_) * sizeof(int32_t));
            });
        }
    }
    const bool dot = arm_compute::NEScheduler::get().cpu_info().has_dotprod();
    impl_ = "acl:NEGEMMLowpMatrixMultiplyCore QASYMM8 x QASYMM8(code+128, offset -128) -> S32, im2col blocks of " +
            std::to_string(std::min(blockRows_, m)) + " rows, " + std::to_string(s_.groups) + " GEMM(s) of K=" +
            std::to_string(k_) + " N=" + std::to_string(ng_) + (dot ? ", cpu has dot product" : ", cpu without dot product");
}

}  // namespace adabm
