// C entry points of the standalone exact integer convolution (int8_conv.h), for tests and benchmarks.
#include "abi_guard.h"
#include "int8_conv.h"
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace {

using adabm::guarded;

adabm::QuantConv* checked(void* handle) {
    auto* conv = static_cast<adabm::QuantConv*>(handle);
    if (!conv) throw adabm::ArgumentError("qconv handle is null");
    if (conv->liveTag != adabm::QuantConv::kLiveTag) throw adabm::ArgumentError("qconv handle does not point to a live qconv");
    return conv;
}

}  // namespace

extern "C" int32_t adabm_qconv_create(int32_t in_c, int32_t out_c, int32_t kh, int32_t kw, int32_t pad_t, int32_t pad_l,
                                      int32_t pad_b, int32_t pad_r, int32_t groups, const float* weight_oihw,
                                      const float* bias, int32_t threads, void** out_qconv) {
    return guarded([&] {
        if (!out_qconv) throw adabm::ArgumentError("out_qconv is null");
        *out_qconv = nullptr;
        adabm::QuantConvShape s{in_c, out_c, kh, kw, pad_t, pad_l, pad_b, pad_r, groups};
        *out_qconv = std::make_unique<adabm::QuantConv>(s, weight_oihw, bias, threads).release();
    });
}

extern "C" int32_t adabm_qconv_set_weight_bits(void* qconv, float uw, int32_t bits) {
    return guarded([&] { checked(qconv)->set_weight_bits(uw, bits); });
}

extern "C" int32_t adabm_qconv_output_size(void* qconv, int32_t h, int32_t w, int32_t* out_hw) {
    return guarded([&] {
        if (!out_hw) throw adabm::ArgumentError("out_hw is null");
        int64_t ho, wo;
        checked(qconv)->output_size(h, w, &ho, &wo);
        out_hw[0] = int32_t(ho);
        out_hw[1] = int32_t(wo);
    });
}

extern "C" int32_t adabm_qconv_run(void* qconv, const uint8_t* codes_nhwc, size_t codes_len, int32_t n, int32_t h,
                                   int32_t w, float l, float u, int32_t bits, float* out_nhwc, size_t out_capacity,
                                   uint8_t* out_codes, size_t out_codes_capacity, float next_l, float next_u,
                                   int32_t next_bits) {
    return guarded([&] {
        adabm::QuantConv* conv = checked(qconv);
        int64_t ho, wo;
        conv->output_size(h, w, &ho, &wo);
        if (n <= 0) throw adabm::ShapeError("qconv: batch size " + std::to_string(n) + " is not positive");
        const size_t inCount = size_t(n) * size_t(h) * size_t(w) * size_t(conv->shape().inC);
        const size_t outCount = size_t(n) * size_t(ho) * size_t(wo) * size_t(conv->shape().outC);
        if (codes_len < inCount)
            throw adabm::ArgumentError("qconv: input holds " + std::to_string(codes_len) + " codes, the shape needs " + std::to_string(inCount));
        if (out_nhwc && out_capacity < outCount)
            throw adabm::ArgumentError("qconv: output holds " + std::to_string(out_capacity) + " floats, needs " + std::to_string(outCount));
        adabm::Requantizer next{next_l, next_u, next_bits};
        if (next_bits != 0 && (!out_codes || out_codes_capacity < outCount))
            throw adabm::ArgumentError("qconv: code output holds " + std::to_string(out_codes ? out_codes_capacity : 0) + " bytes, needs " + std::to_string(outCount));
        // codes only: the fast direct path where it applies (its interior codes may differ at rounding ties)
        conv->run(codes_nhwc, n, h, w, l, u, bits, out_nhwc, out_codes, next_bits != 0 ? &next : nullptr, out_nhwc == nullptr);
    });
}

extern "C" int32_t adabm_qconv_implementation(void* qconv, char* buf, size_t capacity) {
    int32_t length = 0;
    int32_t rc = guarded([&] {
        const std::string& text = checked(qconv)->implementation();
        length = adabm::copy_text(text, buf, capacity);
    });
    return rc == ADABM_OK ? length : rc;
}

extern "C" int32_t adabm_qconv_destroy(void* qconv) {
    return guarded([&] {
        if (qconv) delete checked(qconv);
    });
}
