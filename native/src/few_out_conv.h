// u8 x s8 -> s32 convolution for convs with few output channels (the SR tail convs, 64 -> 3), where oneDNN's int8
// kernels, which vectorise over output channels in blocks of 16, reach ~10% of peak (SRResNet's 9x9 64->3 tail took
// 20 of its 45 ms). This one vectorises over input channels instead: per output pixel and tap, one 64-byte load of
// codes and one vpdpbusd per output channel (VNNI adds four u8 x s8 products into s32 without saturation: exact).
// It writes the same accumulators as the oneDNN primitive (taps outside the image add nothing). groups = 1,
// outC <= kMaxOut, stride 1; only where oneDNN itself may use AVX-512 VNNI (so a capped ISA stays capped).
#pragma once
#include <cstdint>
#include <vector>

namespace adabm {

struct QuantConvShape;

class FewOutConv {
public:
    static constexpr int64_t kMaxOut = 4;
    static constexpr const char* kName = "adabm_few_out_conv:avx512_core_vnni";

    // groups, outC and the CPU (as oneDNN's effective ISA) allow it
    static bool applies(const QuantConvShape& s);

    // codes: the s8 weight codes the primitive would convolve, OIHW
    FewOutConv(const QuantConvShape& s, const int8_t* codes);

    // q: n x h x w x inC u8 codes; acc: n x ho x wo x outC
    void run(const uint8_t* q, int64_t n, int64_t h, int64_t w, int32_t* acc) const;

private:
    int64_t inC_, outC_, kh_, kw_, padT_, padL_, padB_, padR_;
    int64_t chunks_;               // 64-channel chunks of the input
    std::vector<int8_t> weights_;  // [tap][o][chunks * 64], zero past inC
};

}  // namespace adabm
