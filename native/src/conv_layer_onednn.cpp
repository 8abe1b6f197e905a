// ConvLayer::build on oneDNN (conv_layer.h): one convolution_forward primitive with the post-ops fused.
#include "conv_layer.h"
#include "errors.h"
#include "onednn_engine.h"
#include <unordered_map>

namespace adabm {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

memory::desc nhwc(int64_t n, const Shape& s) { return memory::desc({n, s.c, s.h, s.w}, dt::f32, tag::nhwc); }

struct CachedWeights {
    memory::desc desc;
    memory data;
};

struct OneDnnConv : ConvExec::Bound {
    dnnl::primitive primitive;
    std::unordered_map<int, memory> args;
    memory::desc scratch;
    dnnl::stream stream{cpu_engine()};  // made once, like the bound args: a plan's shape runs its convs many times
    void* boundScratchpad = nullptr;    // the scratchpad args[DNNL_ARG_SCRATCHPAD] points at

    void run(void* scratchpad) override {
        if (scratchpad && scratchpad != boundScratchpad) {
            args[DNNL_ARG_SCRATCHPAD] = memory(scratch, cpu_engine(), scratchpad);
            boundScratchpad = scratchpad;
        }
        primitive.execute(stream, args);
        stream.wait();
    }
};

}  // namespace

// the weights in oneDNN's layout `want`, reordered once per (blob, layout) and shared through the plan's cache
static memory weights_for(WeightCache& cache, uint32_t blob, const ConvParams& p, const float* weight, const memory::desc& want) {
    for (auto& [key, entry] : cache.entries) {
        auto* cached = static_cast<CachedWeights*>(entry.get());
        if (key == blob && cached->desc == want) return cached->data;
    }
    memory::desc user = p.groups == 1
        ? memory::desc({p.outC, p.inC, p.kh, p.kw}, dt::f32, tag::oihw)
        : memory::desc({p.groups, p.outC / p.groups, p.inC / p.groups, p.kh, p.kw}, dt::f32, tag::goihw);
    memory src(user, cpu_engine(), const_cast<float*>(weight));
    memory dst(want, cpu_engine());
    dnnl::stream stream(cpu_engine());
    dnnl::reorder(src, dst).execute(stream, src, dst);
    stream.wait();
    cache.entries.emplace_back(blob, std::make_shared<CachedWeights>(CachedWeights{want, dst}));
    return dst;
}

ConvExec ConvLayer::build(int64_t n, const std::vector<Shape>& shapes, const std::vector<float*>& buffers) {
    const dnnl::engine& engine = cpu_engine();
    const Shape& in = shapes[input_];
    const Shape& out = shapes[output_];
    memory::desc src = nhwc(n, in), dst = nhwc(n, out);
    memory::desc wAny = p_.groups == 1
        ? memory::desc({p_.outC, p_.inC, p_.kh, p_.kw}, dt::f32, tag::any)
        : memory::desc({p_.groups, p_.outC / p_.groups, p_.inC / p_.groups, p_.kh, p_.kw}, dt::f32, tag::any);
    memory::desc bias({p_.outC}, dt::f32, tag::x);
    memory::desc perChannel({1, p_.outC, 1, 1}, dt::f32, tag::nhwc);

    dnnl::post_ops ops;
    for (const PostOp& po : post_) {
        switch (po.kind) {
            case PostKind::Eltwise: ops.append_eltwise(dnnl::algorithm::eltwise_relu, po.alpha, 0.f); break;
            case PostKind::PRelu: ops.append_prelu(postData_[&po - post_.data()].size() == 1 ? 0 : 1 << 1); break;
            case PostKind::Affine:
                ops.append_binary(dnnl::algorithm::binary_mul, perChannel);
                ops.append_binary(dnnl::algorithm::binary_add, perChannel);
                break;
            case PostKind::BinaryAdd: ops.append_binary(dnnl::algorithm::binary_add, dst); break;
            case PostKind::BinarySub: ops.append_binary(dnnl::algorithm::binary_sub, dst); break;
        }
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // the plan owns scratchpads: runs may change threads

    dnnl::convolution_forward::primitive_desc pd(engine, dnnl::prop_kind::forward_inference,
        dnnl::algorithm::convolution_direct, src, wAny, bias, dst, {1, 1}, {p_.padT, p_.padL}, {p_.padB, p_.padR}, attr);

    auto conv = std::make_unique<OneDnnConv>();
    conv->primitive = dnnl::convolution_forward(pd);
    conv->scratch = pd.scratchpad_desc();
    auto& args = conv->args;
    args[DNNL_ARG_SRC] = memory(src, engine, buffers[input_]);
    args[DNNL_ARG_WEIGHTS] = weights_for(weightCache_, p_.weightBlob, p_, weight_->data(), pd.weights_desc());
    args[DNNL_ARG_BIAS] = memory(bias, engine, const_cast<float*>(bias_->data()));
    args[DNNL_ARG_DST] = memory(dst, engine, buffers[output_]);
    int index = 0;  // post-op index inside oneDNN (an affine takes two)
    for (size_t k = 0; k < post_.size(); k++, index++) {
        const PostOp& po = post_[k];
        float* data = postData_[k].data();
        switch (po.kind) {
            case PostKind::Eltwise: break;
            case PostKind::PRelu: {
                int64_t c = postData_[k].size() == 1 ? 1 : p_.outC;
                args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_WEIGHTS] =
                    memory(memory::desc({1, c, 1, 1}, dt::f32, tag::nhwc), engine, data);
                break;
            }
            case PostKind::Affine:
                args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1] = memory(perChannel, engine, data);
                index++;
                args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1] = memory(perChannel, engine, data + p_.outC);
                break;
            case PostKind::BinaryAdd: case PostKind::BinarySub:
                args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1] = memory(dst, engine, buffers[po.tensor]);
                break;
        }
    }
    ConvExec exec;
    exec.scratchpadBytes = pd.scratchpad_desc().get_size();
    exec.implementation = pd.impl_info_str();
    exec.bound = std::move(conv);
    return exec;
}

}  // namespace adabm
