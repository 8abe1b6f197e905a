// ConvLayer::build on the ARM Compute Library (conv_layer.h), aarch64: ACL's float32 conv with bias
// (acl_float_conv.h), then the step's post-ops (ReLU/leaky ReLU, PReLU, affine, residual add/sub) as fused_chain.h
// stages in one pass over the output. Convs that share a weight blob and geometry (CARN-M) share one prepared ACL conv.
#include "conv_layer.h"
#include "acl_float_conv.h"
#include "errors.h"
#include "fused_chain.h"

namespace adabm {

namespace {

struct SharedConv {
    ConvParams p;
    std::shared_ptr<AclFloatConv> conv;
};

bool same_geometry(const ConvParams& a, const ConvParams& b) {
    return a.inC == b.inC && a.outC == b.outC && a.kh == b.kh && a.kw == b.kw && a.padT == b.padT && a.padL == b.padL &&
           a.padB == b.padB && a.padR == b.padR && a.groups == b.groups && a.biasBlob == b.biasBlob;
}

struct AclConv : ConvExec::Bound {
    std::shared_ptr<AclFloatConv> conv;
    int64_t n = 0, h = 0, w = 0, pixels = 0, outC = 0;
    const float* in = nullptr;
    float* out = nullptr;
    std::vector<ChainStage> stages;  // the post-ops, as fused_chain.h's stages over the output

    void run(void*) override {
        conv->run(in, n, h, w, out);  // on the plan's thread count (its ThreadScope is on; AclFloatConv follows it)
        run_stages_in_place(stages, out, pixels, outC);
    }
};

// A post-op as a chain stage (oneDNN's post-op arithmetic: relu with slope alpha, PReLU, x * scale + shift, dst -/+ t)
ChainStage stage_of(const PostOp& po, const std::vector<float>& data, int64_t outC, float* operand) {
    ChainStage s;
    switch (po.kind) {
        case PostKind::Eltwise:
            s.kind = ChainStage::Kind::PRelu;
            s.a = {po.alpha};
            s.uniform = true;
            break;
        case PostKind::PRelu:
            s.kind = ChainStage::Kind::PRelu;
            s.uniform = data.size() == 1;  // one slope, or one per output channel
            s.a = data;
            break;
        case PostKind::Affine:  // data: [scale x outC | shift x outC]
            s.kind = ChainStage::Kind::Affine;
            s.a.assign(data.begin(), data.begin() + outC);
            s.b.assign(data.begin() + outC, data.end());
            break;
        case PostKind::BinaryAdd: case PostKind::BinarySub:
            s.kind = po.kind == PostKind::BinaryAdd ? ChainStage::Kind::Add : ChainStage::Kind::Sub;
            s.other = operand;
            break;
    }
    return s;
}

}  // namespace

ConvExec ConvLayer::build(int64_t n, const std::vector<Shape>& shapes, const std::vector<float*>& buffers) {
    std::shared_ptr<AclFloatConv> conv;
    for (auto& [blob, entry] : weightCache_.entries) {
        auto* shared = static_cast<SharedConv*>(entry.get());
        if (blob == p_.weightBlob && same_geometry(shared->p, p_)) {
            conv = shared->conv;
            break;
        }
    }
    if (!conv) {
        const AclConvShape s{p_.inC, p_.outC, p_.kh, p_.kw, p_.padT, p_.padL, p_.padB, p_.padR, p_.groups};
        conv = std::make_shared<AclFloatConv>(s, weight_->data(), bias_->data());
        weightCache_.entries.emplace_back(p_.weightBlob, std::make_shared<SharedConv>(SharedConv{p_, conv}));
    }
    const Shape& in = shapes[input_];
    const Shape& out = shapes[output_];
    auto bound = std::make_unique<AclConv>();
    bound->conv = conv;
    bound->n = n; bound->h = in.h; bound->w = in.w;
    bound->pixels = n * out.h * out.w;
    bound->outC = p_.outC;
    bound->in = buffers[input_];
    bound->out = buffers[output_];
    for (size_t k = 0; k < post_.size(); k++)
        bound->stages.push_back(stage_of(post_[k], postData_[k], p_.outC, buffers[post_[k].tensor]));
    ConvExec exec;
    exec.implementation = conv->implementation();
    exec.bound = std::move(bound);
    return exec;
}

}  // namespace adabm
