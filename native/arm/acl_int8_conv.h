// Exact u8 x s8 -> s32 convolution accumulators (stride 1, dilation 1, groups) on the ARM Compute Library 20.08:
//   acc[n,y,x,o] = sum over the taps inside the image of in[n, y-padT+ky, x-padL+kx, ci] * code[o, ci, ky, kx]
// with the raw integers and no offsets, the same numbers native/src/int8_conv.h gets from oneDNN.
// How: our own im2col (NHWC: a pixel's window is kh*kw runs of inC/groups contiguous bytes, 0 for padding) into
// blocks of at most blockRows rows of an M x K u8 matrix, times the K x N weight matrix through
// NEGEMMLowpMatrixMultiplyCore with S32 output (no output stage), one GEMM per group.
// Signedness (tests/acl_operand_types_probe.cpp, under qemu with and without the dot-product instruction): 20.08
// validates a u8 A with an s8 B (QASYMM8 x QASYMM8_SIGNED / QSYMM8) but then computes garbage (B read as u8), and
// s8 x QASYMM8_SIGNED, or any A x QSYMM8_PER_CHANNEL (A flipped to s8 inside), go through kernels that add two
// products in s16 without the dot-product instruction, which overflows on (-128)*(-128) pairs (cortex-a53).
// So both operands are u8: B holds code + 128 (0..255) with QuantizationInfo offset -128, and ACL computes
// sum in*(code + 128 - 128) = sum in*code: its u8 kernels are exact (measured with rows of 255 x 255) and the
// offset term -128 * rowsum(in) is added in s32. Every term then fits s32 for K <= 33025
// (255*255*K < 2^31), which the constructor checks.
#pragma once
#include "acl_support.h"

#include <arm_compute/runtime/NEON/functions/NEGEMMLowpMatrixMultiplyCore.h>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace adabm {

class AclInt8Conv {
public:
    static constexpr int64_t kDefaultBlockRows = 4096;
    static constexpr int64_t kMaxK = 33025;          // 255 * 255 * K < 2^31
    static constexpr size_t kMaxCachedBlocks = 4;    // block heights kept configured (full block and tails)
    static constexpr int64_t kRowsPerTask = 64;      // im2col and result copies: rows per thread, at least

    // codes: OIHW s8 weight codes (outC x inC/groups x kh x kw), reshaped once. blockRows: output pixels per GEMM.
    AclInt8Conv(const AclConvShape& s, const int8_t* codes, int64_t blockRows = kDefaultBlockRows);
    ~AclInt8Conv();

    // in: n x h x w x inC u8 (NHWC); acc: n x ho x wo x outC s32 (NHWC), ho = h + padT + padB - kh + 1, wo likewise.
    void run(const uint8_t* in, int64_t n, int64_t h, int64_t w, int32_t* acc);

    // What ran: the ACL function, the operand types and the block height.
    const std::string& implementation() const { return impl_; }
    const AclConvShape& shape() const { return s_; }

private:
    struct Block;  // the configured GEMMs (one per group) for one block height
    Block& block_for(int64_t rows);
    // rows output pixels from firstRow on, into a's rows from firstTensorRow on
    void im2col(const uint8_t* in, int64_t h, int64_t w, int64_t ho, int64_t wo, int64_t firstRow, int64_t rows,
                int64_t group, arm_compute::Tensor& a, int64_t firstTensorRow) const;

    AclConvShape s_;
    int64_t blockRows_;
    int64_t cg_, ng_, k_;                // input channels, output channels and GEMM depth per group
    std::vector<uint8_t> weights_;       // per group, K x ng (row k = (ky*kw + kx)*cg + ci) of code + 128
    std::list<std::unique_ptr<Block>> blocks_;  // most recently used first
    std::string impl_;
};

}  // namespace adabm
