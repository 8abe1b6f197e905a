// Turns the op list into execution steps, independent of the input size: drops ops the output does not
// need, fuses element-wise ops that follow a conv into its oneDNN post-ops, and records liveness.
#pragma once
#include "plan_format.h"
#include <cstdint>
#include <vector>

namespace adabm {

enum class PostKind { Eltwise, PRelu, Affine, BinaryAdd, BinarySub };

// One fused post-op. Eltwise: relu with slope alpha (0 = ReLU). PRelu: slopes blobA. Affine: blobA*x+blobB.
// BinaryAdd/Sub: dst = dst (+|-) tensor.
struct PostOp {
    PostKind kind = PostKind::Eltwise;
    float alpha = 0.f;
    uint32_t blobA = 0, blobB = 0;
    uint32_t tensor = 0;
};

struct Step {
    size_t op = 0;                 // the op it runs (the conv, for a fused chain)
    std::vector<PostOp> post;      // conv post-ops, applied in order
    uint32_t output = 0;           // tensor written: the last fused op's output
    std::vector<uint32_t> reads;   // every tensor read
};

struct Schedule {
    std::vector<Step> steps;
    std::vector<int64_t> lastUse;  // per tensor: last step reading it; -1 if none; steps.size() for the output
};

Schedule make_schedule(const PlanDesc& plan);

}  // namespace adabm
