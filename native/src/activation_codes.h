// The activation fake quantizer of ADABM.md §2 as u8 codes: q = rint((clamp(x, l, u) - l) / (u - l) * (2^b - 1)),
// in float32 in exactly the order Java's Quantizers.activation computes it, so the codes are bit-identical to
// what the fake-quant oracle feeds its conv.
#pragma once
#include <cstdint>

namespace adabm {

void activation_codes(const float* x, uint8_t* q, int64_t count, float l, float u, int bits);

// The same formula over one run, single-threaded: for passes that quantize their own output (fused_chain.h, the
// int8 conv epilogue). relu: the codes of clamp(relu(x), l, u), i.e. x clamped to [max(l, 0), u], still counted in
// steps from l.
void activation_codes_run(const float* x, uint8_t* q, int64_t count, float l, float u, int bits, bool relu = false);

}  // namespace adabm
