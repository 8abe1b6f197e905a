#include "op_step.h"
#include "simple_ops.h"
#include <stdexcept>

namespace adabm {

void run_simple_op(const PlanDesc& desc, const OpDesc& op, int64_t n, const std::vector<Shape>& shapes,
                   const std::vector<float*>& tensor, float* y) {
    const Shape& in = shapes[op.inputs[0]];
    const float* x = tensor[op.inputs[0]];
    switch (op.kind) {
        case OpKind::Relu: { const float zero = 0.f; prelu_nhwc(x, y, n, in, &zero, 1); break; }
        case OpKind::LeakyRelu: prelu_nhwc(x, y, n, in, &op.alpha, 1); break;
        case OpKind::PRelu: prelu_nhwc(x, y, n, in, desc.blobs[op.blobA].data(), desc.blobs[op.blobA].size()); break;
        case OpKind::Affine:
            affine_nhwc(x, y, n, in, desc.blobs[op.blobA].data(), desc.blobs[op.blobA].size(),
                        desc.blobs[op.blobB].data(), desc.blobs[op.blobB].size());
            break;
        case OpKind::Add: add_nhwc(x, tensor[op.inputs[1]], y, n * in.c * in.h * in.w); break;
        case OpKind::Sub: sub_nhwc(x, tensor[op.inputs[1]], y, n * in.c * in.h * in.w); break;
        case OpKind::Concat: {
            std::vector<const float*> parts;
            std::vector<int64_t> channels;
            for (uint32_t t : op.inputs) { parts.push_back(tensor[t]); channels.push_back(shapes[t].c); }
            concat_nhwc(parts, channels, y, n, shapes[op.output]);
            break;
        }
        case OpKind::DepthToSpace: depth_to_space_nhwc(x, y, n, in, op.block, op.dcr); break;
        case OpKind::Pad: pad_nhwc(x, y, n, in, op.padT, op.padL, op.padB, op.padR, op.padEdge, op.alpha); break;
        case OpKind::ResizeNearest: resize_nearest_nhwc(x, y, n, in, op.block); break;
        case OpKind::Conv: throw std::logic_error("a conv is not a simple op");
    }
}

}  // namespace adabm
