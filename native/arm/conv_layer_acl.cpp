// ConvLayer::build on the ARM Compute Library (conv_layer.h), aarch64: ACL's float32 conv with bias
// (acl_float_conv.h), then the step's post-ops (ReLU/leaky ReLU, PReLU, affine, residual add/sub) in one pass over
// the output. Convs that share a weight blob and geometry (CARN-M) share one prepared ACL conv.
#include "conv_layer.h"
#include "acl_float_conv.h"
#include "errors.h"
#include <omp.h>

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
    const std::vector<PostOp>* post = nullptr;
    const std::vector<std::vector<float>>* postData = nullptr;
    std::vector<const float*> operands;  // per post-op: the residual tensor of an add/sub

    void run(void*) override {
        // ACL's pool is process-wide and only set where a conv runs: take the plan's count (its ThreadScope is on),
        // as QuantConv does, so a float plan with --threads 1 does not run its GEMMs on every core
        acl_set_threads(omp_get_max_threads());
        conv->run(in, n, h, w, out);
        for (size_t k = 0; k < post->size(); k++) apply((*post)[k], (*postData)[k], operands[k]);
    }

    // one post-op over the whole output, in place (the oneDNN post-op's arithmetic, element by element)
    void apply(const PostOp& po, const std::vector<float>& data, const float* operand) {
        const int64_t count = pixels * outC;
        switch (po.kind) {
            case PostKind::Eltwise: {
                const float alpha = po.alpha;
#pragma omp parallel for schedule(static) if (count > (1 << 15))
                for (int64_t i = 0; i < count; i++) out[i] = out[i] >= 0.f ? out[i] : alpha * out[i];
                break;
            }
            case PostKind::PRelu: {
                const bool one = data.size() == 1;
#pragma omp parallel for schedule(static) if (count > (1 << 15))
                for (int64_t i = 0; i < count; i++) {
                    const float slope = data[one ? 0 : size_t(i % outC)];
                    out[i] = out[i] >= 0.f ? out[i] : slope * out[i];
                }
                break;
            }
            case PostKind::Affine:  // [scale x outC | shift x outC]
#pragma omp parallel for schedule(static) if (count > (1 << 15))
                for (int64_t i = 0; i < count; i++) {
                    const size_t c = size_t(i % outC);
                    out[i] = out[i] * data[c] + data[size_t(outC) + c];
                }
                break;
            case PostKind::BinaryAdd:
#pragma omp parallel for schedule(static) if (count > (1 << 15))
                for (int64_t i = 0; i < count; i++) out[i] = out[i] + operand[i];
                break;
            case PostKind::BinarySub:
#pragma omp parallel for schedule(static) if (count > (1 << 15))
                for (int64_t i = 0; i < count; i++) out[i] = out[i] - operand[i];
                break;
        }
    }
};

}  // namespace

ConvExec ConvLayer::build(int64_t n, const std::vector<Shape>& shapes, const std::vector<float*>& buffers) {
    std::shared_ptr<AclFloatConv> conv;
    for (auto& [blob, entry] : weightCache_.entries) {
        auto* shared = static_cast<SharedConv*>(entry.get());
        if (blob == p_.weightBlob && same_geometry(shared->p, p_)) conv = shared->conv;
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
    bound->post = &post_;
    bound->postData = &postData_;
    for (const PostOp& po : post_)
        bound->operands.push_back(po.kind == PostKind::BinaryAdd || po.kind == PostKind::BinarySub ? buffers[po.tensor] : nullptr);
    ConvExec exec;
    exec.implementation = conv->implementation();
    exec.bound = std::move(bound);
    return exec;
}

}  // namespace adabm
