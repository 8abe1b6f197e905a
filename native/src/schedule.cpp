#include "schedule.h"
#include <algorithm>
#include <cstdint>
#include <utility>

namespace adabm {

namespace {

constexpr size_t kMaxPostOps = 8;

// The post-op op j applies to tensor cur, or false when op j cannot be fused after a conv producing cur.
bool as_post_op(const PlanDesc& plan, size_t j, uint32_t cur, PostOp& out) {
    const OpDesc& op = plan.ops[j];
    switch (op.kind) {
        case OpKind::Relu: out = PostOp{PostKind::Eltwise, 0.f, 0, 0, 0}; return true;
        case OpKind::LeakyRelu: out = PostOp{PostKind::Eltwise, op.alpha, 0, 0, 0}; return true;
        case OpKind::PRelu: out = PostOp{PostKind::PRelu, 0.f, op.blobA, 0, 0}; return true;
        case OpKind::Affine: out = PostOp{PostKind::Affine, 0.f, op.blobA, op.blobB, 0}; return true;
        case OpKind::Add:
            out = PostOp{PostKind::BinaryAdd, 0.f, 0, 0, op.inputs[0] == cur ? op.inputs[1] : op.inputs[0]};
            return true;
        case OpKind::Sub:  // only conv - other maps onto binary_sub
            if (op.inputs[0] != cur) return false;
            out = PostOp{PostKind::BinarySub, 0.f, 0, 0, op.inputs[1]};
            return true;
        default: return false;
    }
}

}  // namespace

Schedule make_schedule(const PlanDesc& plan) {
    const size_t nOps = plan.ops.size(), nTensors = plan.tensorCount();
    // ops the output depends on
    std::vector<bool> needed(nTensors, false);
    needed[plan.outputTensor] = true;
    for (size_t i = nOps; i-- > 0;)
        if (needed[plan.ops[i].output])
            for (uint32_t t : plan.ops[i].inputs) needed[t] = true;

    std::vector<int> uses(nTensors, 0);
    std::vector<size_t> consumer(nTensors, SIZE_MAX);
    for (size_t i = 0; i < nOps; i++)
        if (needed[plan.ops[i].output])
            for (uint32_t t : plan.ops[i].inputs) { uses[t]++; consumer[t] = i; }
    uses[plan.outputTensor]++;

    std::vector<bool> absorbed(nOps, false);
    std::vector<std::pair<size_t, Step>> placed;  // (position in op order, step)
    for (size_t i = 0; i < nOps; i++) {
        const OpDesc& op = plan.ops[i];
        if (!needed[op.output] || absorbed[i]) continue;
        Step step;
        step.op = i;
        step.reads = op.inputs;
        size_t position = i;
        uint32_t cur = op.output;
        if (op.kind == OpKind::Conv) {
            // a tensor read by exactly one op (and not the graph output) can stay inside the conv
            while (step.post.size() < kMaxPostOps && uses[cur] == 1 && cur != plan.outputTensor) {
                size_t j = consumer[cur];
                if (absorbed[j]) break;  // add(convA, convB): the first conv's chain already took it
                PostOp post;
                if (!as_post_op(plan, j, cur, post)) break;
                if ((post.kind == PostKind::BinaryAdd || post.kind == PostKind::BinarySub) && post.tensor == cur) break;
                step.post.push_back(post);
                if (post.kind == PostKind::BinaryAdd || post.kind == PostKind::BinarySub) step.reads.push_back(post.tensor);
                absorbed[j] = true;
                position = j;  // run where the last fused op ran: every operand exists by then
                cur = plan.ops[j].output;
            }
        }
        step.output = cur;
        placed.emplace_back(position, std::move(step));
    }
    std::stable_sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

    Schedule s;
    for (auto& p : placed) s.steps.push_back(std::move(p.second));
    s.lastUse.assign(nTensors, -1);
    for (size_t k = 0; k < s.steps.size(); k++)
        for (uint32_t t : s.steps[k].reads) s.lastUse[t] = int64_t(k);
    s.lastUse[plan.outputTensor] = int64_t(s.steps.size());
    return s;
}

}  // namespace adabm
