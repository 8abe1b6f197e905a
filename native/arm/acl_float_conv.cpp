#include "acl_float_conv.h"
#include "shape_lru.h"

#include <cstring>

namespace adabm {

using arm_compute::DataLayout;
using arm_compute::DataType;
using arm_compute::Tensor;
using arm_compute::TensorInfo;
using arm_compute::TensorShape;

struct AclFloatConv::ShapeState {
    int64_t n = 0, h = 0, w = 0, ho = 0, wo = 0;
    struct Layer {
        Tensor in, weights, bias, out;
        arm_compute::NEGEMMConvolutionLayer function;
    };
    std::vector<std::unique_ptr<Layer>> groups;
};

AclFloatConv::AclFloatConv(const AclConvShape& s, const float* weightOIHW, const float* bias) : s_(s) {
    check_conv_shape(s, "AclFloatConv");
    if (weightOIHW == nullptr) throw ArgumentError("AclFloatConv: null weights for conv " + describe(s));
    cg_ = s.inC / s.groups;
    ng_ = s.outC / s.groups;
    weight_.assign(weightOIHW, weightOIHW + s.outC * cg_ * s.kh * s.kw);
    if (bias != nullptr)
        bias_.assign(bias, bias + s.outC);
    else
        bias_.assign(size_t(s.outC), 0.f);
    // known before the first run: a plan copies it when it binds the conv to a shape (ConvExec::implementation)
    impl_ = "acl:NEGEMMConvolutionLayer NHWC F32" +
            (s.groups > 1 ? ", one layer per group (" + std::to_string(s.groups) + ")" : std::string());
}

AclFloatConv::~AclFloatConv() = default;

static TensorInfo nhwc(int64_t c, int64_t w, int64_t h, int64_t n) {
    TensorInfo info(TensorShape(size_t(c), size_t(w), size_t(h), size_t(n)), 1, DataType::F32);
    info.set_data_layout(DataLayout::NHWC);
    return info;
}

AclFloatConv::ShapeState& AclFloatConv::state_for(int64_t n, int64_t h, int64_t w) {
    if (ShapeState* hit = find_shape(shapes_, n, h, w, kMaxCachedShapes)) return *hit;
    auto st = std::make_unique<ShapeState>();
    st->n = n, st->h = h, st->w = w;
    conv_output_size(s_, n, h, w, &st->ho, &st->wo);
    const TensorInfo inInfo = nhwc(cg_, w, h, n);
    const TensorInfo outInfo = nhwc(ng_, st->wo, st->ho, n);
    const TensorInfo weightInfo = nhwc(cg_, s_.kw, s_.kh, ng_);  // NHWC weights: [IFM, kx, ky, OFM], IFM innermost
    const TensorInfo biasInfo(TensorShape(size_t(ng_)), 1, DataType::F32);
    const arm_compute::PadStrideInfo pad(1, 1, unsigned(s_.padL), unsigned(s_.padR), unsigned(s_.padT), unsigned(s_.padB),
                                         arm_compute::DimensionRoundingType::FLOOR);
    throw_if_refused(arm_compute::NEGEMMConvolutionLayer::validate(&inInfo, &weightInfo, &biasInfo, &outInfo, pad), s_,
                     "NEGEMMConvolutionLayer");
    acl_call(s_, "NEGEMMConvolutionLayer", [&] {
        for (int64_t g = 0; g < s_.groups; ++g) {
            auto layer = std::make_unique<ShapeState::Layer>();
            layer->in.allocator()->init(inInfo);
            layer->weights.allocator()->init(weightInfo);
            layer->bias.allocator()->init(biasInfo);
            layer->out.allocator()->init(outInfo);
            layer->function.configure(&layer->in, &layer->weights, &layer->bias, &layer->out, pad);
            layer->in.allocator()->allocate();
            layer->weights.allocator()->allocate();
            layer->bias.allocator()->allocate();
            layer->out.allocator()->allocate();
            for (int64_t o = 0; o < ng_; ++o)
                for (int64_t ky = 0; ky < s_.kh; ++ky)
                    for (int64_t kx = 0; kx < s_.kw; ++kx)
                        for (int64_t ci = 0; ci < cg_; ++ci)
                            *reinterpret_cast<float*>(element_at(layer->weights, ci, kx, ky, o)) =
                                weight_[size_t((((g * ng_ + o) * cg_ + ci) * s_.kh + ky) * s_.kw + kx)];
            std::memcpy(element_at(layer->bias, 0, 0), &bias_[size_t(g * ng_)], size_t(ng_) * sizeof(float));
            st->groups.push_back(std::move(layer));
        }
    });
    shapes_.push_front(std::move(st));
    return *shapes_.front();
}

void AclFloatConv::run(const float* in, int64_t n, int64_t h, int64_t w, float* out) {
    if (in == nullptr || out == nullptr) throw ArgumentError("AclFloatConv::run: null buffer for conv " + describe(s_));
    acl_follow_omp_threads();
    ShapeState& st = state_for(n, h, w);
    for (int64_t g = 0; g < s_.groups; ++g) {
        ShapeState::Layer& layer = *st.groups[size_t(g)];
        copy_channels_in(in, n, h, w, s_.inC, g * cg_, layer.in);
        acl_call(s_, "NEGEMMConvolutionLayer", [&] { layer.function.run(); });
        copy_channels_out(layer.out, n, st.ho, st.wo, out, s_.outC, g * ng_);
    }
}

}  // namespace adabm
