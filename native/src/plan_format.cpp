#include "plan_format.h"
#include "errors.h"
#include <cmath>
#include <cstring>
#include <string>

namespace adabm {

namespace {

// Limits that keep every later size computation far from integer overflow.
constexpr uint32_t kMaxChannels = 1u << 20;
constexpr uint32_t kMaxKernel = 1024;
constexpr uint32_t kMaxPad = 1u << 16;
constexpr uint32_t kMaxBlock = 64;

class Reader {
public:
    Reader(const uint8_t* data, size_t len) : data_(data), len_(len) {}

    uint32_t u32(const char* what) {
        need(4, what);
        uint32_t v;
        std::memcpy(&v, data_ + pos_, 4);  // little-endian host (x86-64)
        pos_ += 4;
        return v;
    }
    float f32(const char* what) {
        uint32_t bits = u32(what);
        float v;
        std::memcpy(&v, &bits, 4);
        return v;
    }
    void floats(std::vector<float>& out, uint32_t count, const char* what) {
        if (count > (len_ - pos_) / 4) fail(std::string("truncated ") + what + ": " + std::to_string(count) + " floats announced");
        out.resize(count);
        if (count) std::memcpy(out.data(), data_ + pos_, size_t(count) * 4);
        pos_ += size_t(count) * 4;
    }
    size_t pos() const { return pos_; }
    size_t remaining() const { return len_ - pos_; }
    [[noreturn]] void fail(const std::string& msg) const {
        throw PlanFormatError("plan description, byte " + std::to_string(pos_) + ": " + msg);
    }

private:
    void need(size_t n, const char* what) {
        if (len_ - pos_ < n) fail(std::string("truncated while reading ") + what);
    }
    const uint8_t* data_;
    size_t len_;
    size_t pos_ = 0;
};

uint32_t bounded(Reader& r, const char* what, uint32_t lo, uint32_t hi) {
    uint32_t v = r.u32(what);
    if (v < lo || v > hi)
        r.fail(std::string(what) + " = " + std::to_string(v) + " outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
}

uint32_t blob_ref(Reader& r, const PlanDesc& p, const char* what) {
    uint32_t b = r.u32(what);
    if (b >= p.blobs.size()) r.fail(std::string(what) + " refers to blob " + std::to_string(b) + " of " + std::to_string(p.blobs.size()));
    return b;
}

void read_quantizer(Reader& r, ConvParams& c, size_t index) {
    c.quantized = bounded(r, "conv quantized flag", 0, 1) == 1;
    if (!c.quantized) return;
    c.weightBits = int(bounded(r, "conv weight bits", 2, 8));
    c.uw = r.f32("conv weight bound");
    c.l = r.f32("conv activation lower bound");
    c.u = r.f32("conv activation upper bound");
    if (!(c.uw > 0) || !std::isfinite(c.uw) || !std::isfinite(c.l) || !std::isfinite(c.u) || !(c.l < c.u))
        r.fail("op " + std::to_string(index) + ": conv quantizer needs uw > 0 and finite l < u");
}

void read_conv(Reader& r, const PlanDesc& p, OpDesc& op, size_t index) {
    ConvParams& c = op.conv;
    c.inC = int(bounded(r, "conv inC", 1, kMaxChannels));
    c.outC = int(bounded(r, "conv outC", 1, kMaxChannels));
    c.kh = int(bounded(r, "conv kernelH", 1, kMaxKernel));
    c.kw = int(bounded(r, "conv kernelW", 1, kMaxKernel));
    c.padT = int(bounded(r, "conv padTop", 0, kMaxPad));
    c.padL = int(bounded(r, "conv padLeft", 0, kMaxPad));
    c.padB = int(bounded(r, "conv padBottom", 0, kMaxPad));
    c.padR = int(bounded(r, "conv padRight", 0, kMaxPad));
    c.groups = int(bounded(r, "conv groups", 1, kMaxChannels));
    if (c.inC % c.groups || c.outC % c.groups)
        r.fail("op " + std::to_string(index) + ": conv channels " + std::to_string(c.inC) + "->" + std::to_string(c.outC) +
               " not divisible by groups " + std::to_string(c.groups));
    c.weightBlob = blob_ref(r, p, "conv weight blob");
    c.biasBlob = blob_ref(r, p, "conv bias blob");
    uint64_t wsize = uint64_t(c.outC) * uint64_t(c.inC / c.groups) * uint64_t(c.kh) * uint64_t(c.kw);
    if (p.blobs[c.weightBlob].size() != wsize)
        r.fail("op " + std::to_string(index) + ": conv weight blob has " + std::to_string(p.blobs[c.weightBlob].size()) +
               " floats, expected " + std::to_string(wsize));
    if (p.blobs[c.biasBlob].size() != uint64_t(c.outC))
        r.fail("op " + std::to_string(index) + ": conv bias blob has " + std::to_string(p.blobs[c.biasBlob].size()) +
               " floats, expected " + std::to_string(c.outC));
    if (p.version >= kQuantPlanVersion) read_quantizer(r, c, index);
}

uint32_t expected_inputs(OpKind k) {
    switch (k) {
        case OpKind::Add: case OpKind::Sub: return 2;
        case OpKind::Concat: return 0;  // any number >= 1
        default: return 1;
    }
}

void read_op(Reader& r, const PlanDesc& p, OpDesc& op, size_t index) {
    uint32_t kind = r.u32("op kind");
    if (kind < 1 || kind > 11) r.fail("op " + std::to_string(index) + ": unknown kind " + std::to_string(kind));
    op.kind = OpKind(kind);
    uint32_t nin = r.u32("op input count");
    uint32_t want = expected_inputs(op.kind);
    if ((want && nin != want) || nin == 0 || nin > r.remaining() / 4)
        r.fail("op " + std::to_string(index) + " (" + op_kind_name(op.kind) + "): bad input count " + std::to_string(nin));
    op.inputs.resize(nin);
    for (uint32_t i = 0; i < nin; i++) {
        uint32_t t = r.u32("op input");
        if (t > index)  // tensor index+1 is this op's own output
            r.fail("op " + std::to_string(index) + " (" + op_kind_name(op.kind) + "): input tensor " + std::to_string(t) +
                   " is not produced before it");
        op.inputs[i] = t;
    }
    op.output = uint32_t(index + 1);
    switch (op.kind) {
        case OpKind::Conv: read_conv(r, p, op, index); break;
        case OpKind::PRelu: op.blobA = blob_ref(r, p, "prelu slope blob"); break;
        case OpKind::LeakyRelu: op.alpha = r.f32("leaky relu alpha"); break;
        case OpKind::Affine:
            op.blobA = blob_ref(r, p, "affine scale blob");
            op.blobB = blob_ref(r, p, "affine shift blob");
            break;
        case OpKind::DepthToSpace:
            op.block = int(bounded(r, "depth-to-space block", 1, kMaxBlock));
            op.dcr = bounded(r, "depth-to-space order", 0, 1) == 1;
            break;
        case OpKind::Pad:
            op.padT = int(bounded(r, "pad top", 0, kMaxPad));
            op.padL = int(bounded(r, "pad left", 0, kMaxPad));
            op.padB = int(bounded(r, "pad bottom", 0, kMaxPad));
            op.padR = int(bounded(r, "pad right", 0, kMaxPad));
            op.padEdge = bounded(r, "pad mode", 0, 1) == 1;
            op.alpha = r.f32("pad value");
            break;
        case OpKind::ResizeNearest: op.block = int(bounded(r, "resize scale", 1, kMaxBlock)); break;
        default: break;
    }
    for (uint32_t b : {op.blobA, op.blobB})
        if ((op.kind == OpKind::PRelu || op.kind == OpKind::Affine) && p.blobs[b].empty())
            r.fail("op " + std::to_string(index) + ": empty per-channel parameter");
}

}  // namespace

const char* op_kind_name(OpKind kind) {
    switch (kind) {
        case OpKind::Conv: return "conv";
        case OpKind::Relu: return "relu";
        case OpKind::PRelu: return "prelu";
        case OpKind::LeakyRelu: return "leaky_relu";
        case OpKind::Add: return "add";
        case OpKind::Sub: return "sub";
        case OpKind::Affine: return "affine";
        case OpKind::Concat: return "concat";
        case OpKind::DepthToSpace: return "depth_to_space";
        case OpKind::Pad: return "pad";
        case OpKind::ResizeNearest: return "resize_nearest";
    }
    return "?";
}

PlanDesc parse_plan(const uint8_t* data, size_t len) {
    if (!data) throw PlanFormatError("plan description is null");
    Reader r(data, len);
    if (r.u32("magic") != kPlanMagic) r.fail("bad magic: not an adabm plan description");
    uint32_t version = r.u32("version");
    if (version != kPlanVersion && version != kQuantPlanVersion)
        r.fail("unsupported plan version " + std::to_string(version) + " (expected " + std::to_string(kPlanVersion) + " or " +
               std::to_string(kQuantPlanVersion) + ")");
    PlanDesc p;
    p.version = version;
    p.inputChannels = int(bounded(r, "input channels", 1, kMaxChannels));
    uint32_t opCount = r.u32("op count");
    if (opCount == 0 || opCount > r.remaining() / 8) r.fail("bad op count " + std::to_string(opCount));
    p.outputTensor = r.u32("output tensor");
    if (p.outputTensor > opCount) r.fail("output tensor " + std::to_string(p.outputTensor) + " does not exist");
    uint32_t blobCount = r.u32("blob count");
    if (blobCount > r.remaining() / 4) r.fail("bad blob count " + std::to_string(blobCount));
    p.blobs.resize(blobCount);
    for (uint32_t b = 0; b < blobCount; b++) r.floats(p.blobs[b], r.u32("blob length"), "blob");
    p.ops.resize(opCount);
    for (uint32_t i = 0; i < opCount; i++) read_op(r, p, p.ops[i], i);
    if (r.remaining() != 0) r.fail(std::to_string(r.remaining()) + " trailing bytes after the last op");
    return p;
}

}  // namespace adabm
