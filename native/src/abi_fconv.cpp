// C entry points of the float32 per-conv kernels (float_conv.h) used by fake-quantized execution and fine-tuning.
#include "abi_guard.h"
#include "float_conv.h"
#include <memory>
#include <string>

namespace {

using adabm::guarded;

adabm::FloatWorkspace* checked_workspace(void* handle) {
    auto* ws = static_cast<adabm::FloatWorkspace*>(handle);
    if (!ws) throw adabm::ArgumentError("fconv workspace handle is null");
    if (ws->liveTag != adabm::FloatWorkspace::kLiveTag) throw adabm::ArgumentError("fconv workspace handle does not point to a live workspace");
    return ws;
}

adabm::FloatConv* checked(void* handle) {
    auto* conv = static_cast<adabm::FloatConv*>(handle);
    if (!conv) throw adabm::ArgumentError("fconv handle is null");
    if (conv->liveTag != adabm::FloatConv::kLiveTag) throw adabm::ArgumentError("fconv handle does not point to a live fconv");
    return conv;
}

// Output element count for an n x h x w input, checked against the caller's capacity.
void check_capacity(size_t need, size_t capacity, const char* what) {
    if (capacity < need)
        throw adabm::ArgumentError(std::string("fconv: ") + what + " holds " + std::to_string(capacity) + " floats, needs " + std::to_string(need));
}

size_t count(int64_t n, int64_t c, int64_t h, int64_t w) { return size_t(n) * size_t(c) * size_t(h) * size_t(w); }

}  // namespace

extern "C" int32_t adabm_fconv_workspace_create(int32_t threads, void** out_workspace) {
    return guarded([&] {
        if (!out_workspace) throw adabm::ArgumentError("out_workspace is null");
        *out_workspace = nullptr;
        *out_workspace = std::make_unique<adabm::FloatWorkspace>(threads).release();
    });
}

extern "C" int32_t adabm_fconv_workspace_bytes(void* workspace, int64_t* out_bytes) {
    return guarded([&] {
        if (!out_bytes) throw adabm::ArgumentError("out_bytes is null");
        *out_bytes = int64_t(checked_workspace(workspace)->bytes_held());
    });
}

extern "C" int32_t adabm_fconv_workspace_destroy(void* workspace) {
    return guarded([&] {
        if (!workspace) return;
        adabm::FloatWorkspace* ws = checked_workspace(workspace);
        if (ws->liveConvs != 0)
            throw adabm::ArgumentError("fconv workspace still has " + std::to_string(ws->liveConvs) + " convs: destroy them first");
        delete ws;
    });
}

extern "C" int32_t adabm_fconv_create(void* workspace, int32_t in_c, int32_t out_c, int32_t kh, int32_t kw, int32_t pad_t,
                                      int32_t pad_l, int32_t pad_b, int32_t pad_r, int32_t groups, void** out_fconv) {
    return guarded([&] {
        if (!out_fconv) throw adabm::ArgumentError("out_fconv is null");
        *out_fconv = nullptr;
        adabm::FloatConvShape s{in_c, out_c, kh, kw, pad_t, pad_l, pad_b, pad_r, groups};
        *out_fconv = std::make_unique<adabm::FloatConv>(*checked_workspace(workspace), s).release();
    });
}

extern "C" int32_t adabm_fconv_forward(void* fconv, int32_t n, int32_t h, int32_t w, int32_t channels_last, const float* src, const float* weight,
                                       const float* bias, float* dst, size_t dst_capacity) {
    return guarded([&] {
        adabm::FloatConv* conv = checked(fconv);
        int64_t ho, wo;
        conv->output_size(h, w, &ho, &wo);
        check_capacity(count(n, conv->shape().outC, ho, wo), dst_capacity, "output");
        conv->forward(n, h, w, channels_last != 0, src, weight, bias, dst);
    });
}

extern "C" int32_t adabm_fconv_backward_data(void* fconv, int32_t n, int32_t h, int32_t w, int32_t channels_last, const float* diff_dst,
                                             const float* weight, float* diff_src, size_t diff_src_capacity) {
    return guarded([&] {
        adabm::FloatConv* conv = checked(fconv);
        check_capacity(count(n, conv->shape().inC, h, w), diff_src_capacity, "input gradient");
        conv->backward_data(n, h, w, channels_last != 0, diff_dst, weight, diff_src);
    });
}

extern "C" int32_t adabm_fconv_backward_weights(void* fconv, int32_t n, int32_t h, int32_t w, int32_t channels_last, const float* src,
                                                const float* diff_dst, float* diff_weight, size_t diff_weight_capacity) {
    return guarded([&] {
        adabm::FloatConv* conv = checked(fconv);
        check_capacity(conv->weight_count(), diff_weight_capacity, "weight gradient");
        conv->backward_weights(n, h, w, channels_last != 0, src, diff_dst, diff_weight);
    });
}

extern "C" int32_t adabm_fconv_implementation(void* fconv, char* buf, size_t capacity) {
    int32_t length = 0;
    int32_t rc = guarded([&] { length = adabm::copy_text(checked(fconv)->implementation(), buf, capacity); });
    return rc == ADABM_OK ? length : rc;
}

extern "C" int32_t adabm_fconv_cached_shapes(void* fconv) {
    int32_t shapes = 0;
    int32_t rc = guarded([&] { shapes = int32_t(checked(fconv)->cached_shapes()); });
    return rc == ADABM_OK ? shapes : rc;
}

extern "C" int32_t adabm_fconv_destroy(void* fconv) {
    return guarded([&] {
        if (fconv) delete checked(fconv);
    });
}
