#include "qplan.h"
#include "activation_codes.h"
#include "errors.h"
#include "fused_chain.h"
#include "op_step.h"
#include "simple_ops.h"
#include "threads.h"
#include <algorithm>
#include <stdexcept>
#include <string>

namespace adabm {

namespace {
constexpr const char* kExactFloatConv = "exact_float_conv (float64 sums)";
}

struct QuantPlan::ChainExec {
    ChainHead head;
    std::vector<ChainStage> stages;
    std::vector<CodeSink> sinks;   // bits filled in per run
    float* y = nullptr;            // null: the float result is not stored
    Shape out;
};

struct QuantPlan::ShapeState {
    int64_t n = 0, h = 0, w = 0;
    std::vector<Shape> shapes;            // per tensor
    std::vector<AlignedBuffer> buffers;   // owned storage, shared by buffers whose lifetimes do not overlap
    std::vector<size_t> bufferFloats;     // their capacities (from the plan's reserve: may exceed the need)
    std::vector<float*> tensor;           // per tensor id: its float NHWC buffer (null if never materialised)
    std::vector<uint8_t*> codes;          // per op: the u8 NHWC codes of that quantized conv's input
    std::vector<uint8_t*> shuffled;       // per op: ... before the pixel shuffle in front of it
    std::vector<ConvExec> fconvs;         // per op: float convs
    AlignedBuffer scratchpad;             // the float convs' scratchpad
    std::vector<ChainExec> chains;        // per step: a Chain step's head, stages and sinks over this shape's buffers
    size_t accCount = 0;                  // s32 accumulators the largest quantized conv needs
};

QuantPlan::QuantPlan(PlanDesc desc, int threads, bool directCodes, bool fuse)
    : desc_(std::move(desc)), threads_(threads), directCodes_(directCodes), fuse_(fuse) {
    if (desc_.version < kQuantPlanVersion) throw PlanFormatError("an integer plan needs a version-2 description (with quantizers)");
    qconvs_.resize(desc_.ops.size());
    fconvs_.resize(desc_.ops.size());
    for (size_t i = 0; i < desc_.ops.size(); i++) {
        const OpDesc& op = desc_.ops[i];
        if (op.kind != OpKind::Conv) continue;
        const ConvParams& p = op.conv;
        if (p.quantized) {
            QuantConvShape s{p.inC, p.outC, p.kh, p.kw, p.padT, p.padL, p.padB, p.padR, p.groups};
            qconvs_[i] = std::make_unique<QuantConv>(s, desc_.blobs[p.weightBlob].data(), desc_.blobs[p.biasBlob].data(), threads);
            qconvs_[i]->set_weight_bits(p.uw, p.weightBits);
        } else {
            Step step;
            step.op = i;
            step.output = op.output;
            step.reads = op.inputs;
            fconvs_[i] = std::make_unique<ConvLayer>(desc_, step, weights_);
        }
    }
    analyse();
}

QuantPlan::~QuantPlan() { liveTag = 0; }

// Steps in op order. A quantized conv reads codes; they come from the conv before it (fused requantization) when
// its input tensor has no other reader and is a quantized conv's output, directly, through a ReLU (applied in the
// requantization) or through a pixel shuffle (applied to the codes); otherwise a quantize step makes them from floats
// - or, fusing, the chain of non-conv ops that makes those floats writes them in the same pass.
void QuantPlan::analyse() {
    const size_t nOps = desc_.ops.size(), nTensors = desc_.tensorCount();
    std::vector<bool> needed(nTensors, false);
    needed[desc_.outputTensor] = true;
    for (size_t i = nOps; i-- > 0;)
        if (needed[desc_.ops[i].output])
            for (uint32_t t : desc_.ops[i].inputs) needed[t] = true;
    std::vector<int> uses(nTensors, 0);
    std::vector<std::vector<size_t>> readers(nTensors);
    for (size_t i = 0; i < nOps; i++)
        if (needed[desc_.ops[i].output])
            for (uint32_t t : desc_.ops[i].inputs) { uses[t]++; readers[t].push_back(i); }
    const auto single_use = [&](uint32_t t) { return t != 0 && t != desc_.outputTensor && uses[t] == 1; };
    const auto quantized_conv = [&](size_t op) { return desc_.ops[op].kind == OpKind::Conv && desc_.ops[op].conv.quantized; };

    std::vector<int> requantTo(nOps, -1);
    std::vector<bool> requantRelu(nOps, false), requantShuffled(nOps, false), fromCodes(nOps, false), skipped(nOps, false);
    shuffleFor_.assign(nOps, -1);
    for (size_t c = 0; c < nOps; c++) {
        if (!needed[desc_.ops[c].output] || !quantized_conv(c)) continue;
        const uint32_t t = desc_.ops[c].inputs[0];
        if (!single_use(t)) continue;
        const size_t producer = t - 1;
        if (quantized_conv(producer)) {
            requantTo[producer] = int(c);
            fromCodes[c] = true;
        } else if (desc_.ops[producer].kind == OpKind::Relu) {
            const uint32_t t0 = desc_.ops[producer].inputs[0];
            if (single_use(t0) && quantized_conv(t0 - 1)) {
                requantTo[t0 - 1] = int(c);
                requantRelu[t0 - 1] = true;
                fromCodes[c] = true;
                skipped[producer] = true;
            }
        } else if (desc_.ops[producer].kind == OpKind::DepthToSpace) {
            const uint32_t t0 = desc_.ops[producer].inputs[0];
            if (single_use(t0) && quantized_conv(t0 - 1)) {
                requantTo[t0 - 1] = int(c);
                requantShuffled[t0 - 1] = true;
                shuffleFor_[c] = int(producer);
                fromCodes[c] = true;
                skipped[producer] = true;
            }
        }
    }

    // ops that can run as a stage of a fused chain (fused_chain.h), in a chain pass or in a conv's epilogue
    const auto chain_stage = [&](OpKind k) {
        return k == OpKind::Relu || k == OpKind::LeakyRelu || k == OpKind::PRelu || k == OpKind::Affine || k == OpKind::Add ||
               k == OpKind::Sub;
    };

    // The other quantized convs take the chain-stage ops after them into their epilogue while each result has a
    // single reader (a binary operand must exist before the conv runs). The result becomes the next quantized
    // conv's codes when that conv is its only reader; otherwise it is written as floats, and the codes of one
    // quantized conv that reads it come along.
    std::vector<std::vector<size_t>> chain(nOps);
    std::vector<uint32_t> chainOut(nOps);
    for (size_t i = 0; i < nOps; i++) chainOut[i] = desc_.ops[i].output;
    std::vector<int> alsoCodesFor(nOps, -1);
    std::vector<bool> isChainOut(nTensors, false);
    // ops before a conv have their final fate when it is reached: later convs only absorb later ops
    const auto materialised_before = [&](uint32_t t, size_t conv) {
        return t == 0 || (t - 1 < conv && needed[t] && (!skipped[t - 1] || isChainOut[t]));
    };
    for (size_t i = 0; fuse_ && i < nOps; i++) {
        if (!needed[desc_.ops[i].output] || !quantized_conv(i) || requantTo[i] >= 0) continue;
        uint32_t cur = desc_.ops[i].output;
        std::vector<size_t> absorbed;
        while (single_use(cur)) {
            const size_t j = readers[cur][0];
            const OpDesc& op = desc_.ops[j];
            if (!chain_stage(op.kind)) break;
            if (op.inputs.size() == 2) {
                const uint32_t other = op.inputs[0] == cur ? op.inputs[1] : op.inputs[0];
                if (other == cur || !materialised_before(other, i)) break;
            }
            absorbed.push_back(j);
            cur = op.output;
        }
        for (size_t j : absorbed) skipped[j] = true;
        chain[i] = std::move(absorbed);
        if (!chain[i].empty() && single_use(cur) && quantized_conv(readers[cur][0]) && !fromCodes[readers[cur][0]]) {
            requantTo[i] = int(readers[cur][0]);
            fromCodes[readers[cur][0]] = true;
            continue;
        }
        chainOut[i] = cur;
        if (!chain[i].empty()) isChainOut[cur] = true;
        for (size_t q = i + 1; q < nOps; q++)
            if (needed[desc_.ops[q].output] && quantized_conv(q) && desc_.ops[q].inputs[0] == cur && !fromCodes[q]) {
                alsoCodesFor[i] = int(q);
                fromCodes[q] = true;
                break;
            }
    }

    // Chains (fusing): from each non-conv op, follow its result while it has exactly one reader and that reader is an
    // element-wise op; the chain runs where its last op stood (every operand exists by then) and also writes the
    // codes of each quantized conv that reads its result through a quantize step.
    const auto chain_head = [&](OpKind k) {
        return k == OpKind::Relu || k == OpKind::LeakyRelu || k == OpKind::PRelu || k == OpKind::Affine || k == OpKind::Add ||
               k == OpKind::Sub || k == OpKind::Concat || k == OpKind::DepthToSpace;
    };
    const auto uniform_unary = [&](OpKind k) { return k == OpKind::Relu || k == OpKind::LeakyRelu; };
    std::vector<int> chainAt(nOps, -1);           // op -> index in chains of the chain ending there
    std::vector<bool> inChain(nOps, false), quantizedByChain(nOps, false);
    std::vector<QStep> chains;
    if (fuse_) {
        for (size_t i = 0; i < nOps; i++) {
            const OpDesc& op = desc_.ops[i];
            if (!needed[op.output] || skipped[i] || inChain[i] || !chain_head(op.kind)) continue;
            QStep q;
            q.kind = StepKind::Chain;
            q.chain = {i};
            uint32_t t = op.output;
            // a ReLU (one slope) right before a pixel shuffle: the chain shuffles first and applies it after (a
            // per-element op with one parameter commutes with a permutation), so the shuffle reads the ReLU's input
            if (uniform_unary(op.kind) && single_use(t) && !skipped[readers[t][0]] &&
                desc_.ops[readers[t][0]].kind == OpKind::DepthToSpace) {
                q.chain.push_back(readers[t][0]);
                t = desc_.ops[readers[t][0]].output;
            }
            while (single_use(t)) {
                const size_t j = readers[t][0];
                if (skipped[j] || !chain_stage(desc_.ops[j].kind)) break;
                q.chain.push_back(j);
                t = desc_.ops[j].output;
            }
            for (size_t c : readers[t])
                if (quantized_conv(c) && !fromCodes[c] && desc_.ops[c].inputs[0] == t) q.sinks.push_back(c);
            if (q.chain.size() == 1 && q.sinks.empty()) continue;  // a single op: its own pass, as unfused
            for (size_t j : q.chain) inChain[j] = true;
            for (size_t c : q.sinks) quantizedByChain[c] = true;
            q.op = q.chain.back();
            q.chainFloat = t == desc_.outputTensor || size_t(uses[t]) > q.sinks.size();
            for (size_t k = 0; k < q.chain.size(); k++)
                for (uint32_t in : desc_.ops[q.chain[k]].inputs)
                    if (k == 0 || in != desc_.ops[q.chain[k - 1]].output) q.reads.push_back(in);
            if (q.chainFloat) q.writes.push_back(t);
            for (size_t c : q.sinks) q.writes.push_back(codes_id(c));
            chainAt[q.op] = int(chains.size());
            chains.push_back(std::move(q));
        }
    }

    for (size_t i = 0; i < nOps; i++) {
        const OpDesc& op = desc_.ops[i];
        if (!needed[op.output] || skipped[i]) continue;
        if (inChain[i]) {
            if (chainAt[i] >= 0) steps_.push_back(chains[size_t(chainAt[i])]);
            continue;
        }
        if (quantized_conv(i)) {
            if (shuffleFor_[i] >= 0) {
                QStep q;
                q.kind = StepKind::ShuffleCodes;
                q.op = i;
                q.reads = {shuffled_id(i)};
                q.writes = {codes_id(i)};
                steps_.push_back(q);
            }
            if (!fromCodes[i] && !quantizedByChain[i]) {
                QStep q;
                q.kind = StepKind::Quantize;
                q.op = i;
                q.reads = {op.inputs[0]};
                q.writes = {codes_id(i)};
                steps_.push_back(q);
            }
            QStep s;
            s.kind = StepKind::QConv;
            s.op = i;
            s.requantTo = requantTo[i];
            s.requantRelu = requantRelu[i];
            s.requantShuffled = requantShuffled[i];
            s.reads = {codes_id(i)};
            s.chain = chain[i];
            uint32_t prev = op.output;
            for (size_t j : s.chain) {   // the binary operands
                for (uint32_t t : desc_.ops[j].inputs)
                    if (t != prev) s.reads.push_back(t);
                prev = desc_.ops[j].output;
            }
            s.writes = {requantTo[i] >= 0 ? (requantShuffled[i] ? shuffled_id(size_t(requantTo[i])) : codes_id(size_t(requantTo[i])))
                        : chainOut[i]};
            s.alsoCodesFor = alsoCodesFor[i];
            if (s.alsoCodesFor >= 0) s.writes.push_back(codes_id(size_t(s.alsoCodesFor)));
            steps_.push_back(s);
        } else {
            QStep s;
            s.kind = op.kind == OpKind::Conv ? StepKind::FConv : StepKind::Simple;
            s.op = i;
            s.reads.assign(op.inputs.begin(), op.inputs.end());
            s.writes = {op.output};
            steps_.push_back(s);
        }
    }
    // Float convs whose output reaches a quantizer (through float ops or other such convs) run exactly (see
    // exact_float_conv.h), so that quantizer sees the fake-quant forward's very floats.
    std::vector<bool> feedsQuantizer(nTensors, false);
    exactFconvs_.resize(nOps);
    for (size_t k = steps_.size(); k-- > 0;) {
        const QStep& step = steps_[k];
        const OpDesc& op = desc_.ops[step.op];
        if (step.kind == StepKind::Quantize) {
            feedsQuantizer[op.inputs[0]] = true;
        } else if (step.kind == StepKind::QConv) {
            // a fused add's operand reaches the codes this conv writes (or its float output a quantizer)
            if (step.requantTo >= 0 || step.alsoCodesFor >= 0 || (step.writes[0] < nTensors && feedsQuantizer[step.writes[0]]))
                for (size_t b : step.reads)
                    if (b < nTensors) feedsQuantizer[b] = true;
        } else if (step.kind == StepKind::Chain) {
            // codes written, or floats read by a quantizer: every float the chain reads reaches that quantizer
            if (!step.sinks.empty() || (step.chainFloat && feedsQuantizer[desc_.ops[step.op].output]))
                for (size_t b : step.reads)
                    if (b < nTensors) feedsQuantizer[b] = true;
        } else if ((step.kind == StepKind::Simple || step.kind == StepKind::FConv) && feedsQuantizer[op.output]) {
            for (uint32_t t : op.inputs) feedsQuantizer[t] = true;
            if (step.kind == StepKind::FConv)
                exactFconvs_[step.op] = std::make_unique<ExactFloatConv>(op.conv, desc_.blobs[op.conv.weightBlob].data(),
                                                                         desc_.blobs[op.conv.biasBlob].data());
        }
    }
    lastUse_.assign(nTensors + 2 * nOps, -1);
    for (size_t k = 0; k < steps_.size(); k++)
        for (size_t b : steps_[k].reads) lastUse_[b] = int64_t(k);
    lastUse_[desc_.outputTensor] = int64_t(steps_.size());
}

void QuantPlan::output_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4]) const {
    plan_output_shape(desc_, n, c, h, w, out);
}

QuantPlan::ShapeState& QuantPlan::state_for(int64_t n, int64_t h, int64_t w) {
    for (auto it = shapes_.begin(); it != shapes_.end(); ++it)
        if ((*it)->n == n && (*it)->h == h && (*it)->w == w) {
            shapes_.splice(shapes_.begin(), shapes_, it);
            return *shapes_.front();
        }
    if (shapes_.size() >= kMaxCachedShapes) {  // drop before building: bounds the peak; its memory goes on
        ShapeState& old = *shapes_.back();
        // the reserve holds at most one shape's worth: the largest state's memory
        size_t limit = 0;
        for (size_t f : old.bufferFloats) limit += f;
        reserveLimit_ = std::max(reserveLimit_, limit);
        for (size_t i = 0; i < old.buffers.size(); i++) reserve_.give(std::move(old.buffers[i]), old.bufferFloats[i], reserveLimit_);
        shapes_.pop_back();
    }
    shapes_.push_front(build_state(n, h, w));
    return *shapes_.front();
}

template <typename FloatsOf>
size_t QuantPlan::in_place_operand(const QStep& step, size_t k, const FloatsOf& floats_of) const {
    const size_t nTensors = desc_.tensorCount();
    if (step.kind != StepKind::QConv || step.requantTo >= 0 || step.writes.empty() || step.writes[0] >= nTensors ||
        step.writes[0] == desc_.outputTensor)
        return SIZE_MAX;
    for (size_t r = 1; r < step.reads.size(); r++) {  // reads[0]: the conv's input codes; then the chain's operands
        const size_t t = step.reads[r];
        if (t < nTensors && t != desc_.outputTensor && lastUse_[t] == int64_t(k) &&
            floats_of(t) == floats_of(step.writes[0]))
            return t;
    }
    return SIZE_MAX;
}

std::unique_ptr<QuantPlan::ShapeState> QuantPlan::build_state(int64_t n, int64_t h, int64_t w) {
    auto st = std::make_unique<ShapeState>();
    st->n = n; st->h = h; st->w = w;
    st->shapes = infer_shapes(desc_, desc_.inputChannels, h, w);
    for (const Shape& s : st->shapes)
        if (s.c * s.h * s.w > (int64_t(1) << 36) / n) throw ShapeError("batch of " + std::to_string(n) + " is too large");
    const size_t nTensors = desc_.tensorCount();
    // buffer sizes in floats: a float tensor, or a conv's input codes (one byte each)
    const auto floats_of = [&](size_t id) {
        if (id < nTensors) {
            const Shape& s = st->shapes[id];
            return size_t(n * s.c * s.h * s.w);
        }
        const bool shuffled = id >= nTensors + desc_.ops.size();
        const size_t conv = shuffled ? id - nTensors - desc_.ops.size() : id - nTensors;
        const uint32_t t = shuffled ? desc_.ops[size_t(shuffleFor_[conv])].inputs[0] : desc_.ops[conv].inputs[0];
        const Shape& s = st->shapes[t];
        return (size_t(n * s.c * s.h * s.w) + 3) / 4;
    };
    BufferPlanner planner;
    std::vector<size_t> slot(nTensors + 2 * desc_.ops.size(), SIZE_MAX);
    slot[0] = planner.acquire(floats_of(0));
    if (lastUse_[0] < 0) planner.release(slot[0]);
    for (size_t k = 0; k < steps_.size(); k++) {
        const QStep& step = steps_[k];
        // every output is acquired before any input is released: a step never writes over what it reads; except that
        // a quantized conv whose epilogue adds (or subtracts) a tensor read last here writes its float result over
        // that tensor (the residual adds of EDSR-like bodies): the epilogue reads each operand value before it writes
        // the result at the same place (int8_epilogue.h), so it saves a stream of memory traffic per such conv
        const size_t inPlace = in_place_operand(step, k, floats_of);
        for (size_t b : step.writes)
            slot[b] = b == step.writes[0] && inPlace != SIZE_MAX ? slot[inPlace] : planner.acquire(floats_of(b));
        for (size_t b : step.reads)
            if (lastUse_[b] == int64_t(k) && slot[b] != SIZE_MAX && b != inPlace) planner.release(slot[b]);
        for (size_t b : step.writes)
            if (lastUse_[b] < int64_t(k)) planner.release(slot[b]);  // written, never read (not the plan output)
    }
    for (const QStep& step : steps_)
        for (size_t b : step.reads)
            if (slot[b] == SIZE_MAX) throw std::logic_error("buffer " + std::to_string(b) + " is read but never written");
    st->buffers = planner.allocate(reserve_, st->bufferFloats);
    st->tensor.assign(nTensors, nullptr);
    st->codes.assign(desc_.ops.size(), nullptr);
    st->shuffled.assign(desc_.ops.size(), nullptr);
    for (size_t b = 0; b < slot.size(); b++) {
        if (slot[b] == SIZE_MAX) continue;
        float* p = st->buffers[slot[b]].get();
        if (b < nTensors) st->tensor[b] = p;
        else if (b < nTensors + desc_.ops.size()) st->codes[b - nTensors] = reinterpret_cast<uint8_t*>(p);
        else st->shuffled[b - nTensors - desc_.ops.size()] = reinterpret_cast<uint8_t*>(p);
    }

    st->chains.resize(steps_.size());
    for (size_t k = 0; k < steps_.size(); k++)
        if (steps_[k].kind == StepKind::Chain) st->chains[k] = build_chain(*st, steps_[k]);
        else if (steps_[k].kind == StepKind::QConv) st->chains[k].stages = build_stages(*st, steps_[k], 0);

    size_t accCount = 0;
    for (const QStep& step : steps_)
        if (step.kind == StepKind::QConv) {
            const Shape& in = st->shapes[desc_.ops[step.op].inputs[0]];
            accCount = std::max(accCount, qconvs_[step.op]->acc_count(n, in.h, in.w));
        }
    st->accCount = accCount;

    size_t scratch = 0;
    st->fconvs.resize(desc_.ops.size());
    for (const QStep& step : steps_) {
        if (step.kind == StepKind::FConv && !exactFconvs_[step.op]) {
            st->fconvs[step.op] = fconvs_[step.op]->build(n, st->shapes, st->tensor);
            scratch = std::max(scratch, st->fconvs[step.op].scratchpadBytes);
        }
    }
    if (scratch) st->scratchpad = allocate_floats((scratch + sizeof(float) - 1) / sizeof(float));
    return st;
}

// per-channel parameters of 1 or C entries, expanded to C
static std::vector<float> per_channel(const std::vector<float>& v, int64_t c) {
    std::vector<float> out(static_cast<size_t>(c));
    for (int64_t k = 0; k < c; k++) out[size_t(k)] = v[v.size() == 1 ? 0 : size_t(k)];
    return out;
}

std::vector<ChainStage> QuantPlan::build_stages(const ShapeState& st, const QStep& step, size_t from) const {
    std::vector<ChainStage> stages;
    const auto in = [&](uint32_t t) { return static_cast<const float*>(st.tensor[t]); };
    // the value before op chain[k]: the previous chain op's result, or the conv's output ahead of a conv's chain
    uint32_t prev = step.kind == StepKind::QConv ? desc_.ops[step.op].output : 0;
    for (size_t k = 0; k < step.chain.size(); k++) {
        const OpDesc& op = desc_.ops[step.chain[k]];
        if (k < from) { prev = op.output; continue; }
        const int64_t c = st.shapes[op.output].c;
        ChainStage s;
        switch (op.kind) {
            case OpKind::Relu: s.kind = ChainStage::Kind::PRelu; s.a.assign(size_t(c), 0.f); s.uniform = true; break;
            case OpKind::LeakyRelu: s.kind = ChainStage::Kind::PRelu; s.a.assign(size_t(c), op.alpha); s.uniform = true; break;
            case OpKind::PRelu: s.kind = ChainStage::Kind::PRelu; s.a = per_channel(desc_.blobs[op.blobA], c); break;
            case OpKind::Affine:
                s.kind = ChainStage::Kind::Affine;
                s.a = per_channel(desc_.blobs[op.blobA], c);
                s.b = per_channel(desc_.blobs[op.blobB], c);
                break;
            case OpKind::Add: case OpKind::Sub:
                s.kind = op.kind == OpKind::Add ? ChainStage::Kind::Add : ChainStage::Kind::Sub;
                s.valueFirst = op.inputs[0] == prev;
                s.other = in(s.valueFirst ? op.inputs[1] : op.inputs[0]);
                break;
            default: throw std::logic_error(std::string("op kind ") + op_kind_name(op.kind) + " cannot be a chain stage");
        }
        stages.push_back(std::move(s));
        prev = op.output;
    }
    return stages;
}

QuantPlan::ChainExec QuantPlan::build_chain(const ShapeState& st, const QStep& step) const {
    ChainExec e;
    const OpDesc& first = desc_.ops[step.chain.front()];
    const auto in = [&](uint32_t t) { return static_cast<const float*>(st.tensor[t]); };
    size_t from = 0;  // first op run as a stage
    const bool reluThenShuffle = step.chain.size() > 1 && (first.kind == OpKind::Relu || first.kind == OpKind::LeakyRelu) &&
                                 desc_.ops[step.chain[1]].kind == OpKind::DepthToSpace;
    if (reluThenShuffle) {  // the shuffle of the ReLU's input, then the ReLU as the first stage
        const OpDesc& shuffle = desc_.ops[step.chain[1]];
        e.head.kind = ChainHead::Kind::DepthToSpace;
        e.head.inputs = {in(first.inputs[0])};
        e.head.in = st.shapes[first.inputs[0]];
        e.head.block = shuffle.block;
        e.head.dcr = shuffle.dcr;
        ChainStage relu;
        relu.kind = ChainStage::Kind::PRelu;
        relu.a.assign(size_t(st.shapes[shuffle.output].c), first.kind == OpKind::Relu ? 0.f : first.alpha);
        relu.uniform = true;
        e.stages.push_back(std::move(relu));
        from = 2;
    } else switch (first.kind) {
        case OpKind::Add: case OpKind::Sub:
            e.head.kind = first.kind == OpKind::Add ? ChainHead::Kind::Add : ChainHead::Kind::Sub;
            e.head.inputs = {in(first.inputs[0]), in(first.inputs[1])};
            from = 1;
            break;
        case OpKind::Concat:
            e.head.kind = ChainHead::Kind::Concat;
            for (uint32_t t : first.inputs) { e.head.inputs.push_back(in(t)); e.head.channels.push_back(st.shapes[t].c); }
            from = 1;
            break;
        case OpKind::DepthToSpace:
            e.head.kind = ChainHead::Kind::DepthToSpace;
            e.head.inputs = {in(first.inputs[0])};
            e.head.in = st.shapes[first.inputs[0]];
            e.head.block = first.block;
            e.head.dcr = first.dcr;
            from = 1;
            break;
        default:  // a unary op: the value is its input tensor, the op the first stage
            e.head.kind = ChainHead::Kind::Tensor;
            e.head.inputs = {in(first.inputs[0])};
            break;
    }
    for (ChainStage& stage : build_stages(st, step, from)) e.stages.push_back(std::move(stage));
    for (size_t c : step.sinks) {
        const ConvParams& p = desc_.ops[c].conv;
        e.sinks.push_back(CodeSink{st.codes[c], p.l, p.u, 8});
    }
    const uint32_t result = desc_.ops[step.op].output;
    e.y = step.chainFloat ? st.tensor[result] : nullptr;
    e.out = st.shapes[result];
    return e;
}

void QuantPlan::run_step(ShapeState& st, const QStep& step, const int32_t* bits) {
    const OpDesc& op = desc_.ops[step.op];
    switch (step.kind) {
        case StepKind::Quantize: {
            const Shape& s = st.shapes[op.inputs[0]];
            activation_codes(st.tensor[op.inputs[0]], st.codes[step.op], st.n * s.c * s.h * s.w, op.conv.l, op.conv.u, bits[step.op]);
            break;
        }
        case StepKind::QConv: {
            const Shape& in = st.shapes[op.inputs[0]];
            QuantConv& conv = *qconvs_[step.op];
            int32_t* accScratch = reinterpret_cast<int32_t*>(accScratch_.get());
            const std::vector<ChainStage>& stages = st.chains[size_t(&step - steps_.data())].stages;
            if (step.requantTo >= 0) {
                const ConvParams& next = desc_.ops[size_t(step.requantTo)].conv;
                const Requantizer r{next.l, next.u, bits[step.requantTo], step.requantRelu};
                // the exact value requantized by Java's formula, unless the direct u8 path is allowed (bw <= 7)
                uint8_t* codesOut = step.requantShuffled ? st.shuffled[size_t(step.requantTo)] : st.codes[size_t(step.requantTo)];
                conv.run(st.codes[step.op], st.n, in.h, in.w, op.conv.l, op.conv.u, bits[step.op], nullptr, codesOut, &r,
                         directCodes_, stages, accScratch);
            } else if (step.alsoCodesFor >= 0) {
                const ConvParams& next = desc_.ops[size_t(step.alsoCodesFor)].conv;
                const Requantizer r{next.l, next.u, bits[step.alsoCodesFor], false};
                conv.run(st.codes[step.op], st.n, in.h, in.w, op.conv.l, op.conv.u, bits[step.op], st.tensor[step.writes[0]],
                         st.codes[size_t(step.alsoCodesFor)], &r, false, stages, accScratch);
            } else {
                conv.run(st.codes[step.op], st.n, in.h, in.w, op.conv.l, op.conv.u, bits[step.op], st.tensor[step.writes[0]],
                         nullptr, nullptr, false, stages, accScratch);
            }
            break;
        }
        case StepKind::FConv:
            if (exactFconvs_[step.op]) {
                const Shape& in = st.shapes[op.inputs[0]];
                exactFconvs_[step.op]->run(st.tensor[op.inputs[0]], st.tensor[op.output], st.n, in.h, in.w);
                break;
            }
            st.fconvs[step.op].run(st.scratchpad.get());
            break;
        case StepKind::Simple:
            run_simple_op(desc_, op, st.n, st.shapes, st.tensor, st.tensor[op.output]);
            break;
        case StepKind::Chain: {
            ChainExec& e = st.chains[size_t(&step - steps_.data())];
            for (size_t i = 0; i < e.sinks.size(); i++) e.sinks[i].bits = bits[step.sinks[i]];
            run_chain(e.head, e.stages, e.sinks, e.y, st.n, e.out);
            break;
        }
        case StepKind::ShuffleCodes: {
            const OpDesc& shuffle = desc_.ops[size_t(shuffleFor_[step.op])];
            depth_to_space_nhwc(st.shuffled[step.op], st.codes[step.op], st.n, st.shapes[shuffle.inputs[0]], shuffle.block, shuffle.dcr);
            break;
        }
    }
}

void QuantPlan::run(const float* in, int64_t n, int64_t c, int64_t h, int64_t w, const int32_t* bits, size_t bitsLen,
                    float* out, size_t outCapacity) {
    if (!in || !out) throw ArgumentError("null input or output buffer");
    if (!bits || bitsLen < desc_.ops.size())
        throw ArgumentError("the bit widths hold " + std::to_string(bits ? bitsLen : 0) + " entries, the plan has " +
                            std::to_string(desc_.ops.size()) + " ops");
    for (size_t i = 0; i < desc_.ops.size(); i++)
        if (qconvs_[i] && (bits[i] < 2 || bits[i] > 8))
            throw ArgumentError("op " + std::to_string(i) + " (quantized conv): " + std::to_string(bits[i]) +
                                " activation bits, the integer plan runs 2..8");
    int64_t shape[4];
    output_shape(n, c, h, w, shape);
    const size_t needed = size_t(shape[0] * shape[1] * shape[2] * shape[3]);
    if (outCapacity < needed)
        throw ArgumentError("output buffer holds " + std::to_string(outCapacity) + " floats, the output needs " + std::to_string(needed));
    ThreadScope threads(threads_);
    ShapeState& st = state_for(n, h, w);
    if (st.accCount > accScratchCount_) {   // grow-only: a new shape does not page-fault fresh accumulators
        accScratch_ = allocate_floats(st.accCount);   // as many s32
        accScratchCount_ = st.accCount;
    }
    profiler_.start_run();
    const bool profile = profiler_.enabled();
    auto t = StepProfiler::Clock::now();
    nchw_to_nhwc(in, st.tensor[0], n, st.shapes[0]);
    if (profile) profiler_.add(-1, ADABM_STEP_REORDER, t);
    for (const QStep& step : steps_) {
        if (profile) t = StepProfiler::Clock::now();
        run_step(st, step, bits);
        if (profile) record(st, step, t);
    }
    if (profile) t = StepProfiler::Clock::now();
    nhwc_to_nchw(st.tensor[desc_.outputTensor], out, n, st.shapes[desc_.outputTensor]);
    if (profile) profiler_.add(-1, ADABM_STEP_REORDER, t);
}

void QuantPlan::record(const ShapeState& st, const QStep& step, StepProfiler::Clock::time_point since) {
    const int32_t op = int32_t(step.op);
    switch (step.kind) {  // every step is synchronous: it has finished here
        case StepKind::Quantize: profiler_.add(op, ADABM_STEP_QUANTIZE, since); break;
        case StepKind::QConv: profiler_.add(op, ADABM_STEP_INT8_CONV, since, qconvs_[step.op]->implementation()); break;
        case StepKind::FConv:
            profiler_.add(op, ADABM_STEP_FP32_CONV, since, exactFconvs_[step.op] ? kExactFloatConv : st.fconvs[step.op].implementation);
            break;
        case StepKind::Simple: profiler_.add(op, ADABM_STEP_FLOAT_OP, since); break;
        case StepKind::ShuffleCodes: profiler_.add(op, ADABM_STEP_SHUFFLE_CODES, since); break;
        case StepKind::Chain: profiler_.add(op, ADABM_STEP_FUSED_OPS, since, chain_text(step)); break;
    }
}

// "add+relu -> f32, codes x2": the chain's op kinds and what it writes
std::string QuantPlan::chain_text(const QStep& step) const {
    std::string s;
    for (size_t op : step.chain) s += std::string(s.empty() ? "" : "+") + op_kind_name(desc_.ops[op].kind);
    s += " ->";
    if (step.chainFloat) s += " f32";
    if (!step.sinks.empty()) s += std::string(step.chainFloat ? "," : "") + " codes x" + std::to_string(step.sinks.size());
    return s;
}

std::string QuantPlan::implementations() const {
    std::string out;
    if (shapes_.empty()) return out;
    for (const QStep& step : steps_) {
        if (step.kind == StepKind::QConv)
            out += "op " + std::to_string(step.op) + " int8: " + qconvs_[step.op]->implementation() + "\n";
        if (step.kind == StepKind::FConv)
            out += "op " + std::to_string(step.op) + " fp32: " +
                   (exactFconvs_[step.op] ? std::string(kExactFloatConv) : shapes_.front()->fconvs[step.op].implementation) + "\n";
    }
    return out;
}

}  // namespace adabm
