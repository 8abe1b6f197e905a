#include "conv_layer.h"

namespace adabm {

namespace {

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

}  // namespace adabm
