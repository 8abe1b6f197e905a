#include "gpu_plan.h"
#include "../src/weight_codes.h"
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>

namespace adabm::gpu {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

bool is_elementwise(OpKind k) {
    return k == OpKind::Relu || k == OpKind::PRelu || k == OpKind::LeakyRelu || k == OpKind::Affine;
}

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

}  // namespace

// A quantized conv's weights as the tensor-core kernel reads them, and the exact epilogue's constants, all computed
// on the host with int8_conv.cpp's expressions (this file is built with -ffp-contract=off like the CPU library).
struct GpuPlan::QuantWeights {
    int cp = 0, nt = 0, ocTiles = 0, k = 0;
    int residentBlocks = 0;   // blocks of the persistent grid: as many as fit the device at once
    size_t smem = 0;
    bool bw8 = false;
    double borderCoef = 0;
    DeviceBuffer weights, tapSum, interiorBase, scaleOfBits, bias;
};

struct GpuPlan::FloatWeights {
    DeviceBuffer weights, bias;
};

// per-channel operands of a stage (expanded to the op's channel count) or a plain op's constants
struct GpuPlan::OpParams {
    DeviceBuffer a, b;
    int channels = 0;
};

struct GpuPlan::ShapeState {
    int64_t n = 0, h = 0, w = 0;
    std::vector<Shape> shapes;                // per tensor
    std::vector<DeviceBuffer> pool;           // every device buffer of this shape
    std::vector<void*> buffer;                // per buffer id: its memory (null: never stored)
    DeviceBuffer inRaw, outRaw, bits, sums, complexity, offsets;
    DeviceBuffer epilogues;                   // per step: its Epilogue, read by its kernel
    std::vector<std::vector<DeviceBuffer>> windows;  // per step: bw = 8 window sums (empty otherwise)
    std::vector<QConvArgs> qargs;             // per step, where it applies
    std::vector<FConvArgs> fargs;
    std::vector<HeadArgs> hargs;
    std::vector<cudaEvent_t> events;          // 2 per step + 4 around the run
    ~ShapeState() { for (cudaEvent_t e : events) cudaEventDestroy(e); }
};

GpuPlan::GpuPlan(PlanDesc desc, bool floatOnly) : desc_(std::move(desc)), floatOnly_(floatOnly || desc_.version < kQuantPlanVersion) {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        cudaGetLastError();
        throw NoDeviceError(std::string("no usable CUDA driver or device: ") + cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
    }
    if (count == 0) throw NoDeviceError("no CUDA device");
    cudaDeviceProp prop{};
    cuda_check(cudaGetDeviceProperties(&prop, 0), "device properties");
    if (prop.major < 8) throw NoDeviceError(std::string(prop.name) + " is sm_" + str(prop.major * 10 + prop.minor) + "; the int8 kernels need sm_80 or newer");
    smCount_ = prop.multiProcessorCount;
    maxSmem_ = prop.sharedMemPerBlockOptin;
    cuda_check(cudaSetDevice(0), "cudaSetDevice");
    cuda_check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "stream");
    try {
        analyse();
        prepare_weights();
    } catch (...) {
        cudaStreamDestroy(stream_);
        throw;
    }
}

GpuPlan::~GpuPlan() {
    liveTag = 0;
    if (stream_) cudaStreamSynchronize(stream_);
    shapes_.clear();
    if (stream_) cudaStreamDestroy(stream_);
}

bool GpuPlan::quantized(size_t op) const {
    const OpDesc& d = desc_.ops[op];
    return d.kind == OpKind::Conv && d.conv.quantized && !floatOnly_;
}

std::vector<int> GpuPlan::readers(size_t tensor) const {
    std::vector<int> r;
    for (size_t j = 0; j < desc_.ops.size(); j++)
        if (std::find(desc_.ops[j].inputs.begin(), desc_.ops[j].inputs.end(), uint32_t(tensor)) != desc_.ops[j].inputs.end())
            r.push_back(int(j));
    return r;
}

// Where the step's final value goes: float store, code sinks (through a fused pixel shuffle for conv steps).
void GpuPlan::decide_outputs(Step& step, std::vector<bool>& skipped) {
    const size_t t = size_t(step.outTensor);
    const std::vector<int> r = readers(t);
    step.storeFloat = t == desc_.outputTensor;
    if ((step.kind == StepKind::QConv || step.kind == StepKind::FConv) && r.size() == 1 &&
        desc_.ops[size_t(r[0])].kind == OpKind::DepthToSpace && desc_.ops[size_t(r[0])].output != desc_.outputTensor) {
        const int d = r[0];
        const std::vector<int> after = readers(desc_.ops[size_t(d)].output);
        bool allQuantized = !after.empty();
        for (int j : after) allQuantized = allQuantized && quantized(size_t(j)) && desc_.ops[size_t(j)].inputs[0] == desc_.ops[size_t(d)].output;
        if (allQuantized && after.size() <= size_t(kMaxSinks)) {
            step.shuffleOp = d;
            step.sinks = after;
            skipped[size_t(d)] = true;
            return;
        }
    }
    for (int j : r) {
        if (quantized(size_t(j))) step.sinks.push_back(j);
        else step.storeFloat = true;
    }
    if (step.sinks.size() > size_t(kMaxSinks))
        throw UnsupportedError("tensor " + str(int64_t(t)) + " feeds " + str(int64_t(step.sinks.size())) + " quantized convs; the GPU plan writes at most " + str(kMaxSinks) + " code tensors per value");
}

void GpuPlan::analyse() {
    const size_t ops = desc_.ops.size(), tensors = desc_.tensorCount();
    std::vector<bool> skipped(ops, false);
    for (size_t i = 0; i < ops; i++) {
        const OpDesc& d = desc_.ops[i];
        if (d.kind == OpKind::Conv && d.conv.quantized && !floatOnly_) {
            if (d.conv.weightBits < 1 || d.conv.weightBits > 8)
                throw UnsupportedError("op " + str(int64_t(i)) + " (Conv): weight bits " + str(d.conv.weightBits) + " not in 1..8");
            if (int64_t(d.conv.inC / d.conv.groups) * d.conv.kh * d.conv.kw * 255 * 255 > INT32_MAX)
                throw UnsupportedError("op " + str(int64_t(i)) + " (Conv): " + str(d.conv.inC / d.conv.groups) + " channels x " +
                                       str(d.conv.kh) + "x" + str(d.conv.kw) + " taps could overflow the s32 accumulator");
        }
        if (d.kind == OpKind::Concat && d.inputs.size() > size_t(kMaxHeadInputs))
            throw UnsupportedError("op " + str(int64_t(i)) + " (Concat): " + str(int64_t(d.inputs.size())) + " inputs; the GPU plan concatenates at most " + str(kMaxHeadInputs));
    }

    Step input;
    input.kind = StepKind::Input;
    input.outTensor = 0;
    decide_outputs(input, skipped);
    steps_.push_back(input);
    // tensors that are some step's final value: stored as float wherever a non-conv op (an absorbed add) reads them
    std::vector<bool> stepFinal(tensors, false);
    stepFinal[0] = true;

    for (size_t i = 0; i < ops; i++) {
        if (skipped[i]) continue;
        const OpDesc& d = desc_.ops[i];
        Step step;
        step.op = int(i);
        step.outTensor = int(d.output);
        if (d.kind == OpKind::Conv) {
            step.kind = quantized(i) ? StepKind::QConv : StepKind::FConv;
            // absorb the element-wise ops after the conv while each intermediate has that op as its only reader
            uint32_t cur = d.output;
            while (cur != desc_.outputTensor && step.chain.size() < size_t(kMaxStages)) {
                const std::vector<int> r = readers(cur);
                if (r.size() != 1) break;
                const OpDesc& next = desc_.ops[size_t(r[0])];
                bool ok = is_elementwise(next.kind);
                if (next.kind == OpKind::Add || next.kind == OpKind::Sub) {
                    const uint32_t other = next.inputs[0] == cur ? next.inputs[1] : next.inputs[0];
                    // the other operand must be stored already: the final value of an earlier step (the input's too)
                    ok = other != cur && stepFinal[other];
                }
                if (!ok) break;
                step.chain.push_back(r[0]);
                skipped[size_t(r[0])] = true;
                cur = next.output;
            }
            step.outTensor = int(cur);
        } else {
            step.kind = StepKind::Head;
        }
        decide_outputs(step, skipped);
        stepFinal[size_t(step.outTensor)] = true;
        steps_.push_back(step);
    }

    // buffer reads and writes, and a check that every quantized conv gets its codes from some step
    std::vector<bool> coded(ops, false);
    for (Step& s : steps_) {
        if (s.storeFloat) s.writes.push_back(size_t(s.outTensor));
        for (int c : s.sinks) {
            s.writes.push_back(tensors + size_t(c));
            coded[size_t(c)] = true;
        }
        if (s.kind == StepKind::QConv) s.reads.push_back(tensors + size_t(s.op));
        else if (s.kind != StepKind::Input)
            for (uint32_t t : desc_.ops[size_t(s.op)].inputs) s.reads.push_back(t);
        uint32_t value = s.kind == StepKind::Input ? 0u : desc_.ops[size_t(s.op)].output;
        for (int j : s.chain) {  // the other operand of an absorbed add or sub
            const OpDesc& c = desc_.ops[size_t(j)];
            if (c.kind == OpKind::Add || c.kind == OpKind::Sub) s.reads.push_back(c.inputs[0] == value ? c.inputs[1] : c.inputs[0]);
            value = c.output;
        }
    }
    for (size_t i = 0; i < ops; i++) hasQuantized_ = hasQuantized_ || quantized(i);
    for (size_t i = 0; i < ops; i++)
        if (quantized(i) && !coded[i]) throw std::logic_error("GPU plan: no step writes the input codes of op " + str(int64_t(i)));
}

void GpuPlan::prepare_weights() {
    qweights_.resize(desc_.ops.size());
    fweights_.resize(desc_.ops.size());
    params_.resize(desc_.ops.size());
    for (size_t i = 0; i < desc_.ops.size(); i++) {
        const OpDesc& d = desc_.ops[i];
        if (d.kind != OpKind::Conv) continue;
        const ConvParams& p = d.conv;
        const std::vector<float>& weight = desc_.blobs[p.weightBlob];
        const std::vector<float>& bias = desc_.blobs[p.biasBlob];
        const std::string name = "op " + str(int64_t(i));
        if (!quantized(i)) {
            auto f = std::make_unique<FloatWeights>();
            f->weights = upload(weight.data(), weight.size(), name + " weights");
            f->bias = upload(bias.data(), bias.size(), name + " bias");
            fweights_[i] = std::move(f);
            continue;
        }
        auto q = std::make_unique<QuantWeights>();
        const int64_t taps = int64_t(p.kh) * p.kw, cg = p.inC / p.groups, og = p.outC / p.groups, perOut = cg * taps;
        const int bw = p.weightBits;
        const int64_t levels = (int64_t(1) << bw) - 1;
        const float uw = p.uw;
        if (!(uw > 0) || !std::isfinite(uw)) throw PlanFormatError(name + ": weight bound uw must be positive and finite");
        if (!std::isfinite(p.l) || !std::isfinite(p.u) || !(p.l < p.u)) throw PlanFormatError(name + ": activation bounds need finite l < u");
        q->cp = int(round_up(p.inC, 32));
        q->k = int(taps * q->cp);
        qconv_plan(p.outC, p.kh, p.kw, q->cp, maxSmem_, &q->nt, &q->ocTiles, &q->smem);
        if (q->smem > maxSmem_)
            throw UnsupportedError(name + " (Conv " + str(p.inC) + "->" + str(p.outC) + ", " + str(p.kh) + "x" + str(p.kw) + "): needs " +
                                   str(int64_t(q->smem)) + " bytes of shared memory per block, the device has " + str(int64_t(maxSmem_)));
        q->residentBlocks = qconv_blocks_per_sm(q->nt, p.kh, p.kw, q->cp, q->smem, maxSmem_) * smCount_;
        const int64_t ocp = int64_t(q->ocTiles) * q->nt * 8;
        std::vector<int8_t> dense(size_t(ocp * q->k), 0);
        std::vector<int32_t> tapSum(size_t(p.outC * taps), 0);
        for (int64_t o = 0; o < p.outC; o++) {
            const int64_t g = o / og;
            for (int64_t j = 0; j < perOut; j++) {
                const int64_t k = weight_level(weight[size_t(o * perOut + j)], uw, levels), c = 2 * k - levels;
                const int64_t ic = j / taps, tap = j % taps;
                dense[size_t(o * q->k + tap * q->cp + g * cg + ic)] = int8_t(bw == 8 ? k - 128 : c);
                tapSum[size_t(o * taps + tap)] += int32_t(c);
            }
        }
        const double sw = weight_step(uw, levels);
        q->borderCoef = sw * double(p.l);
        std::vector<double> interior(size_t(p.outC)), scales(9, 0.0);
        for (int64_t o = 0; o < p.outC; o++) {
            int64_t full = 0;
            for (int64_t t = 0; t < taps; t++) full += tapSum[size_t(o * taps + t)];
            interior[size_t(o)] = q->borderCoef * double(full) + double(bias[size_t(o)]);
        }
        for (int b = 1; b <= 8; b++) scales[size_t(b)] = double((p.u - p.l) / float((int64_t(1) << b) - 1)) * sw;
        q->bw8 = bw == 8;
        q->weights = upload(dense.data(), dense.size(), name + " weight codes");
        q->tapSum = upload(tapSum.data(), tapSum.size(), name + " tap sums");
        q->interiorBase = upload(interior.data(), interior.size(), name + " interior base");
        q->scaleOfBits = upload(scales.data(), scales.size(), name + " scales");
        q->bias = upload(bias.data(), bias.size(), name + " bias");
        qweights_[i] = std::move(q);
    }
}

void GpuPlan::output_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4]) const {
    plan_output_shape(desc_, n, c, h, w, out);
}

// The stage of element-wise op j (whose value has C channels), with its operands uploaded on first use.
static Stage stage_of(const PlanDesc& desc, size_t j, int64_t C, DeviceBuffer& a, DeviceBuffer& b,
                      const std::vector<void*>& buffer, uint32_t valueTensor) {
    const OpDesc& d = desc.ops[j];
    Stage s;
    auto expand = [&](uint32_t blob) {
        const std::vector<float>& v = desc.blobs[blob];
        std::vector<float> e(static_cast<size_t>(C));
        for (int64_t k = 0; k < C; k++) e[size_t(k)] = v[v.size() == 1 ? 0 : size_t(k)];
        return e;
    };
    switch (d.kind) {
        case OpKind::Relu:
        case OpKind::LeakyRelu: {
            const float slope = d.kind == OpKind::Relu ? 0.f : d.alpha;
            if (!a.bytes()) a = upload(&slope, 1, "op " + str(int64_t(j)) + " slope");
            s.kind = Stage::PRelu;
            s.uniform = 1;
            s.a = a.as<float>();
            break;
        }
        case OpKind::PRelu: {
            const bool uniform = desc.blobs[d.blobA].size() == 1;
            if (!a.bytes()) {
                const std::vector<float> e = expand(d.blobA);
                a = upload(e.data(), e.size(), "op " + str(int64_t(j)) + " slopes");
            }
            s.kind = Stage::PRelu;
            s.uniform = uniform;
            s.a = a.as<float>();
            break;
        }
        case OpKind::Affine: {
            if (!a.bytes()) {
                const std::vector<float> ea = expand(d.blobA), eb = expand(d.blobB);
                a = upload(ea.data(), ea.size(), "op " + str(int64_t(j)) + " scale");
                b = upload(eb.data(), eb.size(), "op " + str(int64_t(j)) + " shift");
            }
            s.kind = Stage::Affine;
            s.a = a.as<float>();
            s.b = b.as<float>();
            break;
        }
        default: {  // Add, Sub with the value as one operand
            s.kind = d.kind == OpKind::Add ? Stage::Add : Stage::Sub;
            s.valueFirst = d.inputs[0] == valueTensor;
            const uint32_t other = s.valueFirst ? d.inputs[1] : d.inputs[0];
            s.other = static_cast<const float*>(buffer[other]);
            break;
        }
    }
    return s;
}

Epilogue GpuPlan::epilogue_for(const Step& step, ShapeState& st) const {
    Epilogue e;
    e.bits = st.bits.as<int32_t>();
    e.ops = int32_t(desc_.ops.size());
    uint32_t value = step.kind == StepKind::Input ? 0u : desc_.ops[size_t(step.op)].output;
    for (int j : step.chain) {
        OpParams& p = *params_[size_t(j)];
        e.stages[e.nStages++] = stage_of(desc_, size_t(j), st.shapes[value].c, p.a, p.b, st.buffer, value);
        value = desc_.ops[size_t(j)].output;
    }
    if (step.storeFloat) e.out = static_cast<float*>(st.buffer[size_t(step.outTensor)]);
    for (int c : step.sinks) {
        const ConvParams& p = desc_.ops[size_t(c)].conv;
        Sink s;
        s.codes = static_cast<uint8_t*>(st.buffer[desc_.tensorCount() + size_t(c)]);
        s.cp = qweights_[size_t(c)]->cp;
        s.l = p.l;
        s.u = p.u;
        s.op = c;
        if (step.shuffleOp >= 0) {
            s.block = desc_.ops[size_t(step.shuffleOp)].block;
            s.dcr = desc_.ops[size_t(step.shuffleOp)].dcr;
            s.shuffledC = int32_t(st.shapes[value].c) / (s.block * s.block);
        }
        e.sinks[e.nSinks++] = s;
    }
    return e;
}

std::unique_ptr<GpuPlan::ShapeState> GpuPlan::build_state(int64_t n, int64_t h, int64_t w) {
    auto st = std::make_unique<ShapeState>();
    st->n = n; st->h = h; st->w = w;
    st->shapes = infer_shapes(desc_, desc_.inputChannels, h, w);
    const size_t tensors = desc_.tensorCount(), ids = tensors + desc_.ops.size();
    for (const Shape& s : st->shapes)
        if (n * s.c * s.h * s.w > (int64_t(1) << 36)) throw ShapeError("GPU plan: a tensor of " + str(n) + " x " + str(s.c) + " x " + str(s.h) + " x " + str(s.w) + " is too large");
    auto bytes_of = [&](size_t id) -> size_t {
        if (id < tensors) { const Shape& s = st->shapes[id]; return size_t(n * s.c * s.h * s.w) * sizeof(float); }
        const size_t c = id - tensors;
        const Shape& s = st->shapes[desc_.ops[c].inputs[0]];
        return size_t(n * s.h * s.w * qweights_[c]->cp);
    };
    // liveness: each buffer lives from the step that writes it to the last step that reads it
    std::vector<int64_t> last(ids, -1);
    for (size_t i = 0; i < steps_.size(); i++) {
        for (size_t id : steps_[i].reads) last[id] = int64_t(i);
        for (size_t id : steps_[i].writes) last[id] = std::max(last[id], int64_t(i));
    }
    last[desc_.outputTensor] = INT64_MAX;
    st->buffer.assign(ids, nullptr);
    std::vector<std::pair<size_t, bool>> blocks;  // pool index, in use
    std::vector<size_t> blockOf(ids, SIZE_MAX);
    for (size_t i = 0; i < steps_.size(); i++) {
        for (size_t id : steps_[i].writes) {
            if (st->buffer[id]) continue;
            const size_t need = bytes_of(id);
            size_t best = SIZE_MAX;
            for (size_t b = 0; b < blocks.size(); b++)
                if (!blocks[b].second && st->pool[blocks[b].first].bytes() >= need &&
                    (best == SIZE_MAX || st->pool[blocks[b].first].bytes() < st->pool[blocks[best].first].bytes())) best = b;
            if (best == SIZE_MAX) {
                st->pool.emplace_back(need, "tensor buffer");
                blocks.push_back({st->pool.size() - 1, true});
                best = blocks.size() - 1;
            }
            blocks[best].second = true;
            blockOf[id] = best;
            st->buffer[id] = st->pool[blocks[best].first].as<void>();
        }
        for (size_t id = 0; id < ids; id++)
            if (blockOf[id] != SIZE_MAX && last[id] == int64_t(i)) blocks[blockOf[id]].second = false;
    }
    const Shape& out = st->shapes[desc_.outputTensor];
    st->inRaw = DeviceBuffer(size_t(n * desc_.inputChannels * h * w) * sizeof(float), "input");
    st->outRaw = DeviceBuffer(size_t(n * out.c * out.h * out.w) * sizeof(float), "output");
    st->bits = DeviceBuffer(size_t(n) * desc_.ops.size() * sizeof(int32_t) + 4, "bits");
    st->sums = DeviceBuffer(size_t(2 * n) * sizeof(double), "complexity sums");
    st->complexity = DeviceBuffer(size_t(n) * sizeof(double), "complexity");
    st->offsets = DeviceBuffer(size_t(n) * sizeof(int32_t), "offsets");

    for (size_t i = 0; i < desc_.ops.size(); i++)
        if (!params_[i]) params_[i] = std::make_unique<OpParams>();
    st->qargs.resize(steps_.size());
    st->fargs.resize(steps_.size());
    st->hargs.resize(steps_.size());
    st->windows.resize(steps_.size());
    st->epilogues = DeviceBuffer(steps_.size() * sizeof(Epilogue), "epilogues");
    std::vector<Epilogue> eps(steps_.size());
    int8Macs_ = 0;
    for (size_t i = 0; i < steps_.size(); i++) {
        const Step& step = steps_[i];
        eps[i] = epilogue_for(step, *st);
        const Epilogue* e = st->epilogues.as<Epilogue>() + i;
        if (step.kind == StepKind::Input) {
            HeadArgs& a = st->hargs[i];
            a.kind = HeadArgs::InputNchw;
            a.in[0] = st->inRaw.as<float>();
            a.n = int32_t(n); a.c = desc_.inputChannels; a.h = int32_t(h); a.w = int32_t(w);
            a.e = e;
            continue;
        }
        const OpDesc& d = desc_.ops[size_t(step.op)];
        const Shape& in = st->shapes[d.inputs[0]];
        const Shape& o = st->shapes[d.output];
        if (step.kind == StepKind::QConv) {
            const QuantWeights& q = *qweights_[size_t(step.op)];
            const ConvParams& p = d.conv;
            QConvArgs& a = st->qargs[i];
            a.in = static_cast<const uint8_t*>(st->buffer[tensors + size_t(step.op)]);
            a.n = int32_t(n); a.h = int32_t(in.h); a.w = int32_t(in.w); a.cp = q.cp; a.ho = int32_t(o.h); a.wo = int32_t(o.w);
            a.kh = p.kh; a.kw = p.kw; a.padT = p.padT; a.padL = p.padL;
            a.weights = q.weights.as<int8_t>(); a.k = q.k; a.outC = p.outC; a.ocTiles = q.ocTiles;
            a.tapSum = q.tapSum.as<int32_t>(); a.interiorBase = q.interiorBase.as<double>(); a.borderCoef = q.borderCoef;
            a.bias = q.bias.as<float>(); a.scaleOfBits = q.scaleOfBits.as<double>(); a.op = step.op;
            a.groups = p.groups; a.outPerGroup = p.outC / p.groups;
            if (q.bw8) {
                st->windows[i].emplace_back(size_t(n * o.h * o.w * p.groups) * sizeof(int32_t), "window sums");
                st->windows[i].emplace_back(size_t(n * in.h * in.w * p.groups) * sizeof(int32_t), "pixel sums");
                a.window = st->windows[i][0].as<int32_t>();
            }
            a.e = eps[i];
            int8Macs_ += double(o.h) * double(o.w) * double(p.outC) * double(p.inC / p.groups) * double(p.kh * p.kw);
        } else if (step.kind == StepKind::FConv) {
            const FloatWeights& f = *fweights_[size_t(step.op)];
            const ConvParams& p = d.conv;
            FConvArgs& a = st->fargs[i];
            a.in = static_cast<const float*>(st->buffer[d.inputs[0]]);
            a.n = int32_t(n); a.h = int32_t(in.h); a.w = int32_t(in.w); a.inC = p.inC; a.ho = int32_t(o.h); a.wo = int32_t(o.w);
            a.outC = p.outC; a.kh = p.kh; a.kw = p.kw; a.padT = p.padT; a.padL = p.padL; a.groups = p.groups;
            a.weights = f.weights.as<float>(); a.bias = f.bias.as<float>();
            a.e = e;
        } else {
            HeadArgs& a = st->hargs[i];
            a.n = int32_t(n); a.c = int32_t(o.c); a.h = int32_t(o.h); a.w = int32_t(o.w);
            a.inC = int32_t(in.c); a.inH = int32_t(in.h); a.inW = int32_t(in.w);
            a.nIn = int32_t(d.inputs.size());
            for (size_t k = 0; k < d.inputs.size() && k < size_t(kMaxHeadInputs); k++) {
                a.in[k] = static_cast<const float*>(st->buffer[d.inputs[k]]);
                a.channels[k] = int32_t(st->shapes[d.inputs[k]].c);
            }
            a.e = e;
            switch (d.kind) {
                case OpKind::Add: a.kind = HeadArgs::Add; break;
                case OpKind::Sub: a.kind = HeadArgs::Sub; break;
                case OpKind::Concat: a.kind = HeadArgs::Concat; break;
                case OpKind::DepthToSpace: a.kind = HeadArgs::DepthToSpace; a.block = d.block; a.dcr = d.dcr; break;
                case OpKind::Pad:
                    a.kind = HeadArgs::Pad; a.padT = d.padT; a.padL = d.padL; a.padEdge = d.padEdge; a.padValue = d.alpha;
                    break;
                case OpKind::ResizeNearest: a.kind = HeadArgs::ResizeNearest; a.block = d.block; break;
                default: {  // an element-wise op on its own: the tensor as head, the op as its one stage
                    a.kind = HeadArgs::Tensor;
                    OpParams& p = *params_[size_t(step.op)];
                    eps[i].nStages = 1;
                    eps[i].stages[0] = stage_of(desc_, size_t(step.op), o.c, p.a, p.b, st->buffer, d.inputs[0]);
                    break;
                }
            }
        }
    }
    cuda_check(cudaMemcpy(st->epilogues.as<void>(), eps.data(), eps.size() * sizeof(Epilogue), cudaMemcpyHostToDevice), "epilogues upload");
    st->events.resize(2 * steps_.size() + 4);
    for (cudaEvent_t& ev : st->events) cuda_check(cudaEventCreate(&ev), "event");
    return st;
}

GpuPlan::ShapeState& GpuPlan::state_for(int64_t n, int64_t h, int64_t w) {
    for (auto it = shapes_.begin(); it != shapes_.end(); ++it)
        if ((*it)->n == n && (*it)->h == h && (*it)->w == w) {
            shapes_.splice(shapes_.begin(), shapes_, it);
            return *shapes_.front();
        }
    if (shapes_.size() >= kMaxCachedShapes) shapes_.pop_back();
    shapes_.push_front(build_state(n, h, w));
    return *shapes_.front();
}

void GpuPlan::launch_step(const Step& step, ShapeState& st, size_t i) {
    switch (step.kind) {
        case StepKind::QConv: {
            const QuantWeights& q = *qweights_[size_t(step.op)];
            const QConvArgs& a = st.qargs[i];
            if (a.window) {
                const ConvParams& p = desc_.ops[size_t(step.op)].conv;
                launch_window_sums(a.in, a.n, a.h, a.w, a.cp, p.inC, p.groups, a.ho, a.wo, a.kh, a.kw, a.padT, a.padL,
                                   st.windows[i][1].as<int32_t>(), const_cast<int32_t*>(a.window), stream_);
            }
            launch_qconv(a, q.nt, q.smem, q.residentBlocks, stream_);
            break;
        }
        case StepKind::FConv: launch_fconv(st.fargs[i], stream_); break;
        default: launch_head(st.hargs[i], stream_); break;
    }
}

std::string GpuPlan::step_text(const Step& step) const {
    std::string t;
    switch (step.kind) {
        case StepKind::Input: t = "input NCHW->NHWC"; break;
        case StepKind::QConv: {
            const QuantWeights& q = *qweights_[size_t(step.op)];
            t = "int8 mma.sync m16n8k32, tile 8x32x" + str(q.nt * 8) + (q.bw8 ? ", bw8 window" : "");
            break;
        }
        case StepKind::FConv: t = "fp32 direct, double sums"; break;
        default: t = op_kind_name(desc_.ops[size_t(step.op)].kind); break;
    }
    for (int j : step.chain) t += std::string("+") + op_kind_name(desc_.ops[size_t(j)].kind);
    if (step.shuffleOp >= 0) t += "+DepthToSpace(codes)";
    t += " ->";
    if (step.storeFloat) t += " f32";
    if (!step.sinks.empty()) t += " codes x" + str(int64_t(step.sinks.size()));
    return t;
}

namespace {
bool pinned(const void* p) {
    cudaPointerAttributes attr{};
    if (cudaPointerGetAttributes(&attr, p) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    return attr.type == cudaMemoryTypeHost;
}

float elapsed(cudaEvent_t a, cudaEvent_t b) {
    float ms = 0;
    cuda_check(cudaEventElapsedTime(&ms, a, b), "event timing");
    return ms;
}
}  // namespace

void GpuPlan::run(const float* in, int64_t n, int64_t c, int64_t h, int64_t w, const int32_t* bits, size_t bitsLen,
                  const adabm_gpu_bitmap* map, float* out, size_t outCapacity, adabm_gpu_image_info* info) {
    if (!in || !out) throw ArgumentError("gpu plan: input or output is null");
    if (n <= 0 || n > 4096) throw ShapeError("gpu plan: batch size " + str(n) + " is out of range (1..4096)");
    if (c != desc_.inputChannels) throw ShapeError("gpu plan: input has " + str(c) + " channels, the plan expects " + str(desc_.inputChannels));
    int64_t o[4];
    output_shape(n, c, h, w, o);
    const size_t outCount = size_t(o[0] * o[1] * o[2] * o[3]), inCount = size_t(n * c * h * w);
    if (outCapacity < outCount) throw ArgumentError("gpu plan: output capacity " + std::to_string(outCapacity) + " < " + std::to_string(outCount) + " floats");
    const size_t ops = desc_.ops.size();
    if (bits) {
        if (bitsLen != size_t(n) * ops) throw ArgumentError("gpu plan: " + std::to_string(bitsLen) + " bits for " + str(n) + " images x " + std::to_string(ops) + " ops");
        for (size_t s = 0; s < size_t(n); s++)
            for (size_t i = 0; i < ops; i++)
                if (quantized(i) && (bits[s * ops + i] < 1 || bits[s * ops + i] > 8))
                    throw ArgumentError("gpu plan: image " + std::to_string(s) + ", op " + std::to_string(i) + ": activation bits " + std::to_string(bits[s * ops + i]) + " not in 1..8");
    } else if (map) {
        if (!map->bits_by_offset) throw ArgumentError("gpu plan: the bit map has no bits_by_offset");
        if (map->bits_len != 3 * ops) throw ArgumentError("gpu plan: bit map has " + std::to_string(map->bits_len) + " entries, needs 3 x " + std::to_string(ops));
        for (size_t i = 0; i < 3 * ops; i++)
            if (quantized(i % ops) && (map->bits_by_offset[i] < 1 || map->bits_by_offset[i] > 8))
                throw ArgumentError("gpu plan: bit map entry " + std::to_string(i) + ": activation bits " + std::to_string(map->bits_by_offset[i]) + " not in 1..8");
        if (c != 3) throw ShapeError("gpu plan: the image complexity needs 3 (RGB) input channels, got " + str(c));
    } else if (hasQuantized_) {
        throw ArgumentError("gpu plan: the plan has quantized convs; give their bits or a bit map");
    }
    ShapeState& st = state_for(n, h, w);
    cudaEvent_t* ev = st.events.data() + 2 * steps_.size();
    const bool inPinned = pinned(in), outPinned = pinned(out);

    cuda_check(cudaEventRecord(ev[0], stream_), "event");
    if (inPinned) {
        cuda_check(cudaMemcpyAsync(st.inRaw.as<void>(), in, inCount * sizeof(float), cudaMemcpyHostToDevice, stream_), "input copy");
    } else {
        stagingIn_.ensure(inCount * sizeof(float), "input staging");
        std::memcpy(stagingIn_.as<void>(), in, inCount * sizeof(float));
        cuda_check(cudaMemcpyAsync(st.inRaw.as<void>(), stagingIn_.as<void>(), inCount * sizeof(float), cudaMemcpyHostToDevice, stream_), "input copy");
    }
    if (bits) {
        stagingBits_.ensure(size_t(n) * ops * sizeof(int32_t) + 4, "bits staging");
        std::memcpy(stagingBits_.as<void>(), bits, size_t(n) * ops * sizeof(int32_t));
        cuda_check(cudaMemcpyAsync(st.bits.as<void>(), stagingBits_.as<void>(), size_t(n) * ops * sizeof(int32_t), cudaMemcpyHostToDevice, stream_), "bits copy");
    } else if (map && !std::equal(map->bits_by_offset, map->bits_by_offset + 3 * ops, mapBitsHost_.begin(), mapBitsHost_.end())) {
        mapBitsHost_.assign(map->bits_by_offset, map->bits_by_offset + 3 * ops);  // uploaded again only when it changes
        mapBits_ = upload(mapBitsHost_.data(), mapBitsHost_.size(), "bit map");
    }
    cuda_check(cudaEventRecord(ev[1], stream_), "event");
    const bool mapped = !bits && map;
    if (mapped)
        launch_image_bits(st.inRaw.as<float>(), int32_t(n), int32_t(h), int32_t(w), map->enabled, map->tau_low, map->tau_high,
                          mapBits_.as<int32_t>(), int32_t(ops), st.sums.as<double>(), st.complexity.as<double>(),
                          st.offsets.as<int32_t>(), st.bits.as<int32_t>(), stream_);
    for (size_t i = 0; i < steps_.size(); i++) {
        if (profiling_) cuda_check(cudaEventRecord(st.events[2 * i], stream_), "event");
        launch_step(steps_[i], st, i);
        if (profiling_) cuda_check(cudaEventRecord(st.events[2 * i + 1], stream_), "event");
    }
    const Shape& os = st.shapes[desc_.outputTensor];
    launch_nhwc_to_nchw(static_cast<const float*>(st.buffer[desc_.outputTensor]), st.outRaw.as<float>(), int32_t(n),
                        int32_t(os.c), int32_t(os.h), int32_t(os.w), stream_);
    cuda_check(cudaEventRecord(ev[2], stream_), "event");
    float* dst = out;
    if (!outPinned) {
        stagingOut_.ensure(outCount * sizeof(float), "output staging");
        dst = stagingOut_.as<float>();
    }
    cuda_check(cudaMemcpyAsync(dst, st.outRaw.as<void>(), outCount * sizeof(float), cudaMemcpyDeviceToHost, stream_), "output copy");
    if (info && mapped) {
        stagingInfo_.ensure(size_t(n) * (sizeof(double) + sizeof(int32_t)), "info staging");
        cuda_check(cudaMemcpyAsync(stagingInfo_.as<void>(), st.complexity.as<void>(), size_t(n) * sizeof(double), cudaMemcpyDeviceToHost, stream_), "info copy");
        cuda_check(cudaMemcpyAsync(stagingInfo_.as<char>() + size_t(n) * sizeof(double), st.offsets.as<void>(), size_t(n) * sizeof(int32_t), cudaMemcpyDeviceToHost, stream_), "info copy");
    }
    cuda_check(cudaEventRecord(ev[3], stream_), "event");
    cuda_check(cudaStreamSynchronize(stream_), "GPU plan run");
    if (!outPinned) std::memcpy(out, dst, outCount * sizeof(float));
    if (info) {
        for (int64_t s = 0; s < n; s++) {
            if (!mapped) {
                info[s].complexity = std::nan("");
                info[s].offset = 0;
            } else {
                std::memcpy(&info[s].complexity, stagingInfo_.as<char>() + size_t(s) * sizeof(double), sizeof(double));
                std::memcpy(&info[s].offset, stagingInfo_.as<char>() + size_t(n) * sizeof(double) + size_t(s) * sizeof(int32_t), sizeof(int32_t));
            }
            info[s].pad_ = 0;
        }
    }
    h2dMs_ = elapsed(ev[0], ev[1]);
    computeMs_ = elapsed(ev[1], ev[2]);
    d2hMs_ = elapsed(ev[2], ev[3]);
    if (profiling_) {
        profile_.clear();
        for (size_t i = 0; i < steps_.size(); i++) {
            adabm_step_time r{};
            r.op = steps_[i].op;
            const StepKind k = steps_[i].kind;
            r.kind = k == StepKind::QConv ? ADABM_STEP_INT8_CONV : k == StepKind::FConv ? ADABM_STEP_FP32_CONV
                   : k == StepKind::Input ? ADABM_STEP_REORDER : (steps_[i].chain.empty() ? ADABM_STEP_FLOAT_OP : ADABM_STEP_FUSED_OPS);
            r.ms = elapsed(st.events[2 * i], st.events[2 * i + 1]);
            const std::string text = step_text(steps_[i]);
            std::strncpy(r.implementation, text.c_str(), sizeof(r.implementation) - 1);
            profile_.push_back(r);
        }
    }
}

}  // namespace adabm::gpu
