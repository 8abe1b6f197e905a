#include "conv_layer.h"
#include "errors.h"

namespace adabm {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

memory::desc nhwc(int64_t n, const Shape& s) { return memory::desc({n, s.c, s.h, s.w}, dt::f32, tag::nhwc); }

std::vector<float> expand(const std::vector<float>& v, int64_t c) {
    std::vector<float> out(static_cast<size_t>(c));
    for (int64_t k = 0; k < c; k++) out[size_t(k)] = v[v.size() == 1 ? 0 : size_t(k)];
    return out;
}

}  // namespace

ConvLayer::ConvLayer(const PlanDesc& plan, const Step& step, WeightCache& weights)
    : p_(plan.ops[step.op].conv), input_(plan.ops[step.op].inputs[0]), output_(step.output),
      weight_(&plan.blobs[p_.weightBlob]), bias_(&plan.blobs[p_.biasBlob]), post_(step.post), weightCache_(weights) {
    for (const PostOp& po : post_) {
        std::vector<float> data;
        if (po.kind == PostKind::PRelu) data = plan.blobs[po.blobA];
        if (po.kind == PostKind::Affine) {  // [scale x outC | shift x outC]
            data = expand(plan.blobs[po.blobA], p_.outC);
            std::vector<float> shift = expand(plan.blobs[po.blobB], p_.outC);
            data.insert(data.end(), shift.begin(), shift.end());
        }
        postData_.push_back(std::move(data));
    }
}

memory ConvLayer::weights_for(const memory::desc& want, const dnnl::engine& engine, dnnl::stream& stream) {
    for (auto& entry : weightCache_.entries)
        if (entry.blob == p_.weightBlob && entry.desc == want) return entry.memory;
    memory::desc user = p_.groups == 1
        ? memory::desc({p_.outC, p_.inC, p_.kh, p_.kw}, dt::f32, tag::oihw)
        : memory::desc({p_.groups, p_.outC / p_.groups, p_.inC / p_.groups, p_.kh, p_.kw}, dt::f32, tag::goihw);
    memory src(user, engine, const_cast<float*>(weight_->data()));
    memory dst(want, engine);
    dnnl::reorder(src, dst).execute(stream, src, dst);
    stream.wait();
    weightCache_.entries.push_back(WeightCache::Entry{p_.weightBlob, want, dst});
    return weightCache_.entries.back().memory;
}

ConvExec ConvLayer::build(const dnnl::engine& engine, dnnl::stream& stream, int64_t n, const std::vector<Shape>& shapes,
                          const std::vector<float*>& buffers) {
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

    ConvExec exec;
    exec.primitive = dnnl::convolution_forward(pd);
    exec.scratchpadBytes = pd.scratchpad_desc().get_size();
    exec.implementation = pd.impl_info_str();
    exec.args[DNNL_ARG_SRC] = memory(src, engine, buffers[input_]);
    exec.args[DNNL_ARG_WEIGHTS] = weights_for(pd.weights_desc(), engine, stream);
    exec.args[DNNL_ARG_BIAS] = memory(bias, engine, const_cast<float*>(bias_->data()));
    exec.args[DNNL_ARG_DST] = memory(dst, engine, buffers[output_]);
    int index = 0;  // post-op index inside oneDNN (an affine takes two)
    for (size_t k = 0; k < post_.size(); k++, index++) {
        const PostOp& po = post_[k];
        float* data = postData_[k].data();
        switch (po.kind) {
            case PostKind::Eltwise: break;
            case PostKind::PRelu: {
                int64_t c = postData_[k].size() == 1 ? 1 : p_.outC;
                exec.args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_WEIGHTS] =
                    memory(memory::desc({1, c, 1, 1}, dt::f32, tag::nhwc), engine, data);
                break;
            }
            case PostKind::Affine:
                exec.args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1] = memory(perChannel, engine, data);
                index++;
                exec.args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1] = memory(perChannel, engine, data + p_.outC);
                break;
            case PostKind::BinaryAdd: case PostKind::BinarySub:
                exec.args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1] = memory(dst, engine, buffers[po.tensor]);
                break;
        }
    }
    return exec;
}

}  // namespace adabm
