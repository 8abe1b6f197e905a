#include "shapes.h"
#include "errors.h"
#include <string>

namespace adabm {

namespace {

// Keeps n*c*h*w products and their byte sizes far inside int64/size_t.
constexpr int64_t kMaxSide = 1 << 20;
constexpr int64_t kMaxElements = int64_t(1) << 34;

[[noreturn]] void fail(size_t op, OpKind kind, const std::string& msg) {
    throw ShapeError("op " + std::to_string(op) + " (" + op_kind_name(kind) + "): " + msg);
}

std::string str(const Shape& s) {
    return "[" + std::to_string(s.c) + "," + std::to_string(s.h) + "," + std::to_string(s.w) + "]";
}

void check_per_channel(size_t i, const OpDesc& op, size_t count, int64_t c) {
    if (count != 1 && int64_t(count) != c)
        fail(i, op.kind, std::to_string(count) + " per-channel values for " + std::to_string(c) + " channels");
}

Shape infer_one(const PlanDesc& plan, size_t i, const std::vector<Shape>& s) {
    const OpDesc& op = plan.ops[i];
    const Shape x = s[op.inputs[0]];
    switch (op.kind) {
        case OpKind::Conv: {
            const ConvParams& c = op.conv;
            if (x.c != c.inC) fail(i, op.kind, "expects " + std::to_string(c.inC) + " input channels, got " + std::to_string(x.c));
            Shape y{c.outC, x.h + c.padT + c.padB - c.kh + 1, x.w + c.padL + c.padR - c.kw + 1};
            if (y.h <= 0 || y.w <= 0) fail(i, op.kind, "input " + str(x) + " is smaller than the kernel");
            return y;
        }
        case OpKind::Relu: case OpKind::LeakyRelu: return x;
        case OpKind::PRelu: check_per_channel(i, op, plan.blobs[op.blobA].size(), x.c); return x;
        case OpKind::Affine:
            check_per_channel(i, op, plan.blobs[op.blobA].size(), x.c);
            check_per_channel(i, op, plan.blobs[op.blobB].size(), x.c);
            return x;
        case OpKind::Add: case OpKind::Sub: {
            const Shape b = s[op.inputs[1]];
            if (b.c != x.c || b.h != x.h || b.w != x.w) fail(i, op.kind, "operands " + str(x) + " and " + str(b) + " differ");
            return x;
        }
        case OpKind::Concat: {
            Shape y{0, x.h, x.w};
            for (uint32_t t : op.inputs) {
                if (s[t].h != x.h || s[t].w != x.w) fail(i, op.kind, "input " + str(s[t]) + " does not match " + str(x));
                y.c += s[t].c;
            }
            return y;
        }
        case OpKind::DepthToSpace: {
            int64_t b2 = int64_t(op.block) * op.block;
            if (x.c % b2) fail(i, op.kind, std::to_string(x.c) + " channels not divisible by block^2 = " + std::to_string(b2));
            return Shape{x.c / b2, x.h * op.block, x.w * op.block};
        }
        case OpKind::Pad: return Shape{x.c, x.h + op.padT + op.padB, x.w + op.padL + op.padR};
        case OpKind::ResizeNearest: return Shape{x.c, x.h * op.block, x.w * op.block};
    }
    fail(i, op.kind, "unknown op");
}

}  // namespace

std::vector<Shape> infer_shapes(const PlanDesc& plan, int64_t c, int64_t h, int64_t w) {
    if (c != plan.inputChannels)
        throw ShapeError("input has " + std::to_string(c) + " channels, the plan expects " + std::to_string(plan.inputChannels));
    if (h <= 0 || w <= 0 || h > kMaxSide || w > kMaxSide)
        throw ShapeError("input size " + std::to_string(h) + "x" + std::to_string(w) + " is out of range");
    std::vector<Shape> s(plan.tensorCount());
    s[0] = Shape{c, h, w};
    for (size_t i = 0; i < plan.ops.size(); i++) {
        Shape y = infer_one(plan, i, s);
        if (y.h > kMaxSide || y.w > kMaxSide || y.c > kMaxElements || y.c * y.h > kMaxElements / y.w)
            fail(i, plan.ops[i].kind, "output " + str(y) + " is too large");
        s[i + 1] = y;
    }
    return s;
}

void plan_output_shape(const PlanDesc& plan, int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4]) {
    if (n <= 0 || n > 65536) throw ShapeError("batch size " + std::to_string(n) + " is out of range");
    std::vector<Shape> s = infer_shapes(plan, c, h, w);
    const Shape& o = s[plan.outputTensor];
    out[0] = n; out[1] = o.c; out[2] = o.h; out[3] = o.w;
}

}  // namespace adabm
