// QuantConv (int8_conv.h) on the ARM Compute Library, aarch64: the s32 accumulators conv(q, c) come from ACL's
// GEMMLowp (acl_int8_conv.h), the rest - border ring, 8-bit weight split, exact value, float ops, requantization -
// from the shared epilogue, so the output is the x86 plan's bit for bit. ACL's own requantization (QASYMM8 output
// stages) computes in float32 with an integer zero point and cannot express AdaBM's non-integer zero point or the
// exact rounding, so every conv takes the exact path here: allowDirect (oneDNN's faster u8 output) is ignored.
#include "int8_conv.h"
#include "acl_int8_conv.h"
#include "errors.h"
#include "shape_lru.h"
#include "threads.h"
#include <list>

namespace adabm {

struct QuantConv::ShapeState : ShapeCommon {};  // ACL's GEMM conv keeps its own per-block configurations

struct QuantConv::Engine {
    std::unique_ptr<AclInt8Conv> gemm;
    std::list<std::unique_ptr<ShapeState>> shapes;  // most recently used first
};

void QuantConv::EngineDeleter::operator()(Engine* e) const { delete e; }

void QuantConv::weights_changed() {
    if (!engine_) engine_.reset(new Engine);
    const AclConvShape s{s_.inC, s_.outC, s_.kh, s_.kw, s_.padT, s_.padL, s_.padB, s_.padR, s_.groups};
    engine_->gemm = std::make_unique<AclInt8Conv>(s, primitiveCodes_.data());
}

QuantConv::ShapeState& QuantConv::state_for(int64_t n, int64_t h, int64_t w) {
    auto& shapes = engine_->shapes;
    if (ShapeState* hit = find_shape(shapes, n, h, w, kMaxCachedShapes)) return *hit;
    auto st = std::make_unique<ShapeState>();
    init_shape(*st, n, h, w);
    shapes.push_front(std::move(st));
    return *shapes.front();
}

void QuantConv::run(const uint8_t* codes, int64_t n, int64_t h, int64_t w, float l, float u, int bits, float* out,
                    uint8_t* codesOut, const Requantizer* next, bool /*allowDirect: see above*/,
                    const std::vector<ChainStage>& stages, int32_t* accScratch) {
    check_run(codes, n, l, u, bits, out, codesOut, next);
    ThreadScope threads(threads_);  // ACL's pool follows it (acl_support.h)
    ShapeState& st = state_for(n, h, w);
    int32_t* acc = accumulators(st, accScratch);
    engine_->gemm->run(codes, n, h, w, acc);
    lastImpl_ = engine_->gemm->implementation();
    QuantEpilogue e = epilogue(st, l, activation_step(l, u, bits), codes, next, codesOut);
    e.acc = acc;
    e.stages = &stages;
    e.out = out;
    apply_epilogue(e);
}

}  // namespace adabm
