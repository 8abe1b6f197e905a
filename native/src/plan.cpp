#include "plan.h"
#include "errors.h"
#include "op_step.h"
#include "simple_ops.h"
#include "threads.h"
#include <algorithm>
#include <stdexcept>
#include <string>

namespace adabm {

struct Plan::ShapeState {
    int64_t n = 0, h = 0, w = 0;
    size_t bytes = 0;                     // activations + scratchpad
    std::vector<Shape> shapes;            // per tensor
    std::vector<AlignedBuffer> buffers;   // owned activation storage
    std::vector<float*> tensor;           // per tensor: its NHWC buffer (null if never materialised)
    std::vector<ConvExec> convs;          // per step (empty for non-conv steps)
    AlignedBuffer scratchpad;
};

Plan::Plan(PlanDesc desc, int threads)
    : desc_(std::move(desc)), schedule_(make_schedule(desc_)), threads_(threads) {
    for (const Step& step : schedule_.steps)
        convs_.push_back(desc_.ops[step.op].kind == OpKind::Conv ? std::make_unique<ConvLayer>(desc_, step, weights_) : nullptr);
}

Plan::~Plan() { liveTag = 0; }

void Plan::output_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4]) const {
    plan_output_shape(desc_, n, c, h, w, out);
}

Plan::ShapeState& Plan::state_for(int64_t n, int64_t h, int64_t w) {
    for (auto it = shapes_.begin(); it != shapes_.end(); ++it)
        if ((*it)->n == n && (*it)->h == h && (*it)->w == w) {
            shapes_.splice(shapes_.begin(), shapes_, it);
            return *shapes_.front();
        }
    if (shapes_.size() >= kMaxCachedShapes) shapes_.pop_back();  // free before building: bounds the peak
    shapes_.push_front(build_state(n, h, w));
    size_t total = 0;
    for (const auto& st : shapes_) total += st->bytes;
    while (shapes_.size() > 1 && total > kCacheBudgetBytes) {
        total -= shapes_.back()->bytes;
        shapes_.pop_back();
    }
    return *shapes_.front();
}

std::unique_ptr<Plan::ShapeState> Plan::build_state(int64_t n, int64_t h, int64_t w) {
    auto st = std::make_unique<ShapeState>();
    st->n = n; st->h = h; st->w = w;
    st->shapes = infer_shapes(desc_, desc_.inputChannels, h, w);
    for (const Shape& s : st->shapes)
        if (s.c * s.h * s.w > (int64_t(1) << 36) / n) throw ShapeError("batch of " + std::to_string(n) + " is too large");

    // buffer slots by liveness
    const auto elements = [&](uint32_t t) { return size_t(n * st->shapes[t].c * st->shapes[t].h * st->shapes[t].w); };
    BufferPlanner planner;
    std::vector<size_t> slot(desc_.tensorCount(), SIZE_MAX);
    slot[0] = planner.acquire(elements(0));
    if (schedule_.lastUse[0] < 0) planner.release(slot[0]);
    for (size_t k = 0; k < schedule_.steps.size(); k++) {
        const Step& step = schedule_.steps[k];
        slot[step.output] = planner.acquire(elements(step.output));
        for (uint32_t t : step.reads)
            if (schedule_.lastUse[t] == int64_t(k) && slot[t] != SIZE_MAX) planner.release(slot[t]);  // reused by later steps only
    }
    for (const Step& step : schedule_.steps)  // invariant: every tensor a step touches has storage
        for (uint32_t t : step.reads)
            if (slot[t] == SIZE_MAX) throw std::logic_error("tensor " + std::to_string(t) + " is read but never written");
    st->buffers = planner.allocate();
    st->bytes = planner.total_floats() * sizeof(float);
    st->tensor.assign(desc_.tensorCount(), nullptr);
    for (size_t t = 0; t < slot.size(); t++)
        if (slot[t] != SIZE_MAX) st->tensor[t] = st->buffers[slot[t]].get();

    // primitives, created for this plan's thread count
    size_t scratch = 0;
    st->convs.resize(schedule_.steps.size());
    for (size_t k = 0; k < schedule_.steps.size(); k++)
        if (convs_[k]) {
            st->convs[k] = convs_[k]->build(n, st->shapes, st->tensor);
            scratch = std::max(scratch, st->convs[k].scratchpadBytes);
        }
    if (scratch) {
        st->scratchpad = allocate_floats((scratch + sizeof(float) - 1) / sizeof(float));
        st->bytes += scratch;
    }
    return st;
}

std::string Plan::implementations() const {
    std::string out;
    if (shapes_.empty()) return out;
    for (const ConvExec& c : shapes_.front()->convs)
        if (c) out += c.implementation + "\n";
    return out;
}

void Plan::run_step(ShapeState& st, size_t k) {
    const Step& step = schedule_.steps[k];
    if (convs_[k]) {
        st.convs[k].run(st.scratchpad.get());
        return;
    }
    run_simple_op(desc_, desc_.ops[step.op], st.n, st.shapes, st.tensor, st.tensor[step.output]);
}

void Plan::run(const float* in, int64_t n, int64_t c, int64_t h, int64_t w, float* out, size_t outCapacity) {
    if (!in || !out) throw ArgumentError("null input or output buffer");
    int64_t shape[4];
    output_shape(n, c, h, w, shape);
    const size_t needed = size_t(shape[0] * shape[1] * shape[2] * shape[3]);
    if (outCapacity < needed)
        throw ArgumentError("output buffer holds " + std::to_string(outCapacity) + " floats, the output needs " + std::to_string(needed));
    ThreadScope threads(threads_);  // before any primitive is created: oneDNN sizes kernels by the thread count
    ShapeState& st = state_for(n, h, w);
    profiler_.start_run();
    if (profiler_.enabled()) {
        run_profiled(st, in, out);
        return;
    }
    nchw_to_nhwc(in, st.tensor[0], n, st.shapes[0]);
    for (size_t k = 0; k < schedule_.steps.size(); k++) run_step(st, k);
    nhwc_to_nchw(st.tensor[desc_.outputTensor], out, n, st.shapes[desc_.outputTensor]);
}

// run() with every step timed on its own (every step is synchronous, so the times add up to the run)
void Plan::run_profiled(ShapeState& st, const float* in, float* out) {
    auto t = StepProfiler::Clock::now();
    nchw_to_nhwc(in, st.tensor[0], st.n, st.shapes[0]);
    profiler_.add(-1, ADABM_STEP_REORDER, t);
    for (size_t k = 0; k < schedule_.steps.size(); k++) {
        t = StepProfiler::Clock::now();
        run_step(st, k);
        const bool conv = convs_[k] != nullptr;
        profiler_.add(int32_t(schedule_.steps[k].op), conv ? ADABM_STEP_FP32_CONV : ADABM_STEP_FLOAT_OP, t,
                      conv ? st.convs[k].implementation : std::string());
    }
    t = StepProfiler::Clock::now();
    nhwc_to_nchw(st.tensor[desc_.outputTensor], out, st.n, st.shapes[desc_.outputTensor]);
    profiler_.add(-1, ADABM_STEP_REORDER, t);
}

}  // namespace adabm
