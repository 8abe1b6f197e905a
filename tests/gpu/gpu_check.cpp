// The GPU checks, driven from C++ for machines without Java (the H200 machine): libadabm_cuda.so through its C ABI.
//
//   adabm_gpu_check selftest
//       small plans (one or two quantized convs, several kernel sizes, channel counts, groups, weight and activation
//       bits, batch of two with different bits) against an exact C++ reference of ADABM.md §8 (the formula of
//       int8_epilogue.h / ExactQuantConv): every output float must be identical.
//   adabm_gpu_check fixtures DIR MODEL OUTDIR
//       DIR/MODEL as written by GpuFixtures export (plan.bin, meta.txt, per image .in.f32/.bits.i32/.cpu.f32): runs
//       each image with the CPU plan's bits and with the on-device bit map, compares with the CPU int8 plan's output
//       (identical floats, identical 8-bit pixels), checks a batch of two against single runs, writes OUTDIR/MODEL.gpu.f32.
//   adabm_gpu_check quotient
//       the epilogue's hoisted-reciprocal division and quantizer against __fdiv_rn and the per-value formula, over
//       every float of several ranges (quotient_check.cu)
//   adabm_gpu_check bench PLAN.bin BITS.i32 IN.f32 C H W FRAME_H FRAME_W BATCH FRAMES [PLANS]
//       throughput on FRAME_H x FRAME_W frames tiled from the given LR image, with those bits: frames/s, time split,
//       integer tensor-core TOPS, per-step profile; PLANS > 1 runs that many plans from as many host threads (their
//       copies overlap each other's compute).
// Exit status 0 only when every check passed.
#include "adabm_gpu.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
    if (!ok) failures++;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "error: %s\n", what.c_str());
    std::exit(2);
}

void ok_or_die(int32_t rc, const std::string& what) {
    if (rc != ADABM_OK) die(what + ": code " + std::to_string(rc) + ": " + adabm_gpu_last_error());
}

template <typename T>
std::vector<T> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) die("cannot read " + path);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (bytes.size() % sizeof(T)) die(path + ": size not a multiple of " + std::to_string(sizeof(T)));
    std::vector<T> v(bytes.size() / sizeof(T));
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
}

// ---- plan description writer (plan_format.h, version 2) ----
struct Writer {
    std::vector<uint8_t> bytes;
    void u32(uint32_t v) { for (int i = 0; i < 4; i++) bytes.push_back(uint8_t(v >> (8 * i))); }
    void f32(float f) { uint32_t v; std::memcpy(&v, &f, 4); u32(v); }
};

struct QConvSpec {
    int inC, outC, k, groups, wbits;
    float uw, l, u;
    std::vector<float> weight, bias;
};

// ops: conv A, ReLU, conv B (if two), output the last
std::vector<uint8_t> encode(int inputChannels, const std::vector<QConvSpec>& convs) {
    Writer w;
    w.u32(0x50424441u); w.u32(2); w.u32(uint32_t(inputChannels));
    const uint32_t ops = convs.size() == 1 ? 1 : 3;
    w.u32(ops); w.u32(ops); w.u32(uint32_t(2 * convs.size()));
    for (const QConvSpec& c : convs) {
        w.u32(uint32_t(c.weight.size())); for (float v : c.weight) w.f32(v);
        w.u32(uint32_t(c.bias.size())); for (float v : c.bias) w.f32(v);
    }
    auto conv = [&](const QConvSpec& c, uint32_t input, uint32_t blob) {
        w.u32(1); w.u32(1); w.u32(input);
        w.u32(uint32_t(c.inC)); w.u32(uint32_t(c.outC)); w.u32(uint32_t(c.k)); w.u32(uint32_t(c.k));
        const uint32_t p = uint32_t(c.k / 2);
        w.u32(p); w.u32(p); w.u32(p); w.u32(p); w.u32(uint32_t(c.groups));
        w.u32(blob); w.u32(blob + 1);
        w.u32(1); w.u32(uint32_t(c.wbits)); w.f32(c.uw); w.f32(c.l); w.f32(c.u);
    };
    conv(convs[0], 0, 0);
    if (convs.size() > 1) {
        w.u32(2); w.u32(1); w.u32(1);  // ReLU of tensor 1
        conv(convs[1], 2, 2);
    }
    return w.bytes;
}

// ---- the exact reference (ADABM.md §8), NHWC ----
uint8_t act_code(float x, float l, float u, int bits) {
    const float range = u - l, levels = float((1 << bits) - 1);
    const float m = std::max(l, x), c = std::min(u, m);
    const float t = (c - l) / range * levels;
    return uint8_t(std::nearbyint(t));
}

std::vector<float> ref_conv(const QConvSpec& c, const std::vector<float>& x, int n, int h, int w, const std::vector<int>& abits) {
    const int cg = c.inC / c.groups, og = c.outC / c.groups, taps = c.k * c.k, pad = c.k / 2;
    const int64_t levels = (int64_t(1) << c.wbits) - 1;
    std::vector<int64_t> code(c.weight.size());
    for (size_t i = 0; i < code.size(); i++) {
        const float clamped = std::min(std::max(c.weight[i], -c.uw), c.uw);
        code[i] = 2 * int64_t(std::nearbyint((clamped + c.uw) / (2 * c.uw) * float(levels))) - levels;
    }
    const double sw = double(c.uw / float(levels));
    std::vector<float> y(size_t(n) * h * w * c.outC);
    for (int s = 0; s < n; s++) {
        const int bits = abits[size_t(s)];
        const double scale = double((c.u - c.l) / float((1 << bits) - 1)) * sw, borderCoef = sw * double(c.l);
        std::vector<uint8_t> q(size_t(h) * w * c.inC);
        for (size_t i = 0; i < q.size(); i++) q[i] = act_code(x[size_t(s) * q.size() + i], c.l, c.u, bits);
        for (int yo = 0; yo < h; yo++)
            for (int xo = 0; xo < w; xo++)
                for (int o = 0; o < c.outC; o++) {
                    const int g = o / og;
                    int64_t A = 0, S = 0;
                    for (int i = 0; i < cg; i++)
                        for (int r = 0; r < c.k; r++)
                            for (int t = 0; t < c.k; t++) {
                                const int iy = yo + r - pad, ix = xo + t - pad;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                const int64_t cc = code[size_t((o * cg + i) * taps + r * c.k + t)];
                                A += int64_t(q[(size_t(iy) * w + ix) * c.inC + g * cg + i]) * cc;
                                S += cc;
                            }
                    const double base = borderCoef * double(S) + double(c.bias[size_t(o)]);
                    y[((size_t(s) * h + yo) * w + xo) * c.outC + o] = float(scale * double(A) + base);
                }
    }
    return y;
}

QConvSpec random_conv(std::mt19937& rng, int inC, int outC, int k, int groups, int wbits, float l, float u) {
    QConvSpec c{inC, outC, k, groups, wbits, 0.f, l, u, {}, {}};
    std::normal_distribution<float> nd(0.f, 0.1f);
    c.weight.resize(size_t(outC) * (inC / groups) * k * k);
    for (float& v : c.weight) v = nd(rng);
    c.bias.resize(size_t(outC));
    for (float& v : c.bias) v = nd(rng);
    c.uw = 0.2f;
    return c;
}

int selftest() {
    char reason[256];
    const int32_t usable = adabm_gpu_probe(reason, sizeof reason);
    std::printf("probe: %d (%s)\n", usable, reason);
    if (!usable) die("no usable GPU");
    std::mt19937 rng(7);
    struct Case { int inC, outC, k, groups, wbits, bitsA, bitsB, inC2; };
    const std::vector<Case> cases = {
        {3, 64, 3, 1, 4, 8, 4, 0}, {64, 64, 3, 1, 4, 4, 3, 64}, {64, 256, 3, 1, 8, 6, 8, 0}, {64, 3, 9, 1, 4, 4, 5, 0},
        {32, 32, 3, 4, 8, 8, 2, 32}, {64, 64, 1, 1, 4, 4, 4, 0}, {3, 64, 9, 1, 8, 8, 8, 0}, {48, 20, 5, 1, 5, 7, 6, 12}};
    const int n = 2, h = 37, w = 53;
    for (const Case& k : cases) {
        std::vector<QConvSpec> convs{random_conv(rng, k.inC, k.outC, k.k, k.groups, k.wbits, -0.7f, 2.5f)};
        if (k.inC2) convs.push_back(random_conv(rng, k.outC, k.inC2, 3, 1, k.wbits, 0.1f, 1.9f));
        const std::vector<uint8_t> desc = encode(k.inC, convs);
        void* plan = nullptr;
        ok_or_die(adabm_gpu_plan_create(desc.data(), desc.size(), 0, &plan), "plan create");
        std::uniform_real_distribution<float> ud(-1.f, 3.f);
        std::vector<float> nchw(size_t(n) * k.inC * h * w), nhwc(nchw.size());
        for (float& v : nchw) v = ud(rng);
        for (int s = 0; s < n; s++)
            for (int c = 0; c < k.inC; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        nhwc[((size_t(s) * h + y) * w + x) * k.inC + c] = nchw[((size_t(s) * k.inC + c) * h + y) * w + x];
        const int ops = k.inC2 ? 3 : 1;
        std::vector<int32_t> bits(size_t(n) * ops, 0);
        bits[0] = k.bitsA; bits[size_t(ops)] = std::max(2, k.bitsA - 1);
        if (k.inC2) { bits[2] = k.bitsB; bits[size_t(ops) + 2] = std::min(8, k.bitsB + 1); }
        std::vector<float> ref = ref_conv(convs[0], nhwc, n, h, w, {bits[0], bits[size_t(ops)]});
        int outC = k.outC;
        if (k.inC2) {
            for (float& v : ref) v = v >= 0.f ? v : 0.f * v;
            ref = ref_conv(convs[1], ref, n, h, w, {bits[2], bits[size_t(ops) + 2]});
            outC = k.inC2;
        }
        std::vector<float> out(size_t(n) * outC * h * w);
        ok_or_die(adabm_gpu_plan_run(plan, nchw.data(), n, k.inC, h, w, bits.data(), bits.size(), nullptr, out.data(), out.size(), nullptr), "run");
        size_t differ = 0;
        double maxDiff = 0;
        for (int s = 0; s < n; s++)
            for (int c = 0; c < outC; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) {
                        const float g = out[((size_t(s) * outC + c) * h + y) * w + x], r = ref[((size_t(s) * h + y) * w + x) * outC + c];
                        if (g != r) { differ++; maxDiff = std::max(maxDiff, double(std::fabs(g - r))); }
                    }
        char what[256];
        std::snprintf(what, sizeof what, "selftest %d->%d k%d g%d w%d a%d/%d%s: %zu of %zu values differ (max %.3g)", k.inC, k.outC, k.k,
                      k.groups, k.wbits, k.bitsA, k.bitsB, k.inC2 ? " +relu+conv" : "", differ, out.size(), maxDiff);
        expect(differ == 0, what);
        ok_or_die(adabm_gpu_plan_destroy(plan), "destroy");
    }
    // typed errors, no crash
    void* plan = nullptr;
    const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    expect(adabm_gpu_plan_create(junk, sizeof junk, 0, &plan) == ADABM_E_BAD_PLAN && plan == nullptr,
           std::string("corrupt plan -> ADABM_E_BAD_PLAN: ") + adabm_gpu_last_error());
    return failures;
}

// ---- fixtures ----
struct ImageMeta { std::string name; int c, h, w, oc, oh, ow, offset; double complexity; };

struct Fixture {
    int ops = 0, mapEnabled = 0;
    double tauLow = 0, tauHigh = 0;
    std::vector<ImageMeta> images;
};

Fixture read_meta(const std::string& path) {
    std::ifstream f(path);
    if (!f) die("cannot read " + path);
    Fixture fx;
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream in(line);
        std::string key;
        in >> key;
        if (key == "ops") in >> fx.ops;
        else if (key == "map_enabled") { std::string v; in >> v; fx.mapEnabled = v == "true" || v == "1"; }
        else if (key == "tau_low") in >> fx.tauLow;
        else if (key == "tau_high") in >> fx.tauHigh;
        else if (key == "image") {
            ImageMeta m;
            in >> m.name >> m.c >> m.h >> m.w >> m.oc >> m.oh >> m.ow >> m.offset >> m.complexity;
            fx.images.push_back(m);
        }
    }
    return fx;
}

uint8_t pixel8(float v) { return uint8_t(std::min(255.0, std::max(0.0, std::floor(double(v) + 0.5)))); }

int fixtures(const std::string& dir, const std::string& model, const std::string& outDir) {
    const std::string base = dir + "/" + model + "/";
    const Fixture fx = read_meta(base + "meta.txt");
    const std::vector<uint8_t> desc = read_file<uint8_t>(base + "plan.bin");
    const std::vector<int32_t> byOffset = read_file<int32_t>(base + "bits_by_offset.i32");
    void* plan = nullptr;
    ok_or_die(adabm_gpu_plan_create(desc.data(), desc.size(), 0, &plan), model + " plan create");
    std::ofstream all(outDir + "/" + model + ".gpu.f32", std::ios::binary);
    size_t totalValues = 0, totalDiffer = 0, totalPixels = 0, samePixels = 0;
    for (const ImageMeta& m : fx.images) {
        const std::vector<float> in = read_file<float>(base + m.name + ".in.f32");
        const std::vector<int32_t> bits = read_file<int32_t>(base + m.name + ".bits.i32");
        const std::vector<float> cpu = read_file<float>(base + m.name + ".cpu.f32");
        std::vector<float> gpu(cpu.size()), mapped(cpu.size());
        ok_or_die(adabm_gpu_plan_run(plan, in.data(), 1, m.c, m.h, m.w, bits.data(), bits.size(), nullptr, gpu.data(), gpu.size(), nullptr), m.name + " run");
        adabm_gpu_bitmap map{fx.mapEnabled, fx.tauLow, fx.tauHigh, byOffset.data(), byOffset.size()};
        adabm_gpu_image_info info{};
        ok_or_die(adabm_gpu_plan_run(plan, in.data(), 1, m.c, m.h, m.w, nullptr, 0, &map, mapped.data(), mapped.size(), &info), m.name + " run (bit map)");
        size_t differ = 0, same = 0;
        double maxDiff = 0;
        for (size_t i = 0; i < cpu.size(); i++) {
            if (gpu[i] != cpu[i]) { differ++; maxDiff = std::max(maxDiff, double(std::fabs(gpu[i] - cpu[i]))); }
            same += pixel8(gpu[i]) == pixel8(cpu[i]);
        }
        totalValues += cpu.size(); totalDiffer += differ; totalPixels += cpu.size(); samePixels += same;
        double h2d, compute, d2h;
        ok_or_die(adabm_gpu_plan_last_times(plan, &h2d, &compute, &d2h), "times");
        std::printf("%s %s: %zu of %zu floats differ from the CPU int8 plan (max %.3g), %.4f%% identical 8-bit values; "
                    "complexity GPU %.17g Java %.17g, offset GPU %d Java %d; h2d %.3f compute %.3f d2h %.3f ms\n",
                    model.c_str(), m.name.c_str(), differ, cpu.size(), maxDiff, 100.0 * double(same) / double(cpu.size()),
                    info.complexity, m.complexity, info.offset, m.offset, h2d, compute, d2h);
        expect(info.offset == m.offset, model + " " + m.name + ": on-device image offset equals Java's");
        expect(std::fabs(info.complexity - m.complexity) <= 1e-9 * std::max(1.0, std::fabs(m.complexity)),
               model + " " + m.name + ": on-device complexity equals Java's within double summation order (1e-9 relative)");
        expect(std::memcmp(mapped.data(), gpu.data(), gpu.size() * sizeof(float)) == 0 || info.offset != m.offset,
               model + " " + m.name + ": bit-map run equals the explicit-bits run");
        all.write(reinterpret_cast<const char*>(gpu.data()), std::streamsize(gpu.size() * sizeof(float)));
        // batching: the image twice in one run, the second with offset-0 bits, against single runs
        if (&m == &fx.images.front()) {
            std::vector<float> in2(in);
            in2.insert(in2.end(), in.begin(), in.end());
            std::vector<int32_t> bits2(bits);
            bits2.insert(bits2.end(), byOffset.begin() + fx.ops, byOffset.begin() + 2 * fx.ops);
            std::vector<float> pair(2 * cpu.size()), single(cpu.size());
            ok_or_die(adabm_gpu_plan_run(plan, in2.data(), 2, m.c, m.h, m.w, bits2.data(), bits2.size(), nullptr, pair.data(), pair.size(), nullptr), "batch run");
            ok_or_die(adabm_gpu_plan_run(plan, in.data(), 1, m.c, m.h, m.w, bits2.data() + fx.ops, size_t(fx.ops), nullptr, single.data(), single.size(), nullptr), "single run");
            expect(std::memcmp(pair.data(), gpu.data(), gpu.size() * sizeof(float)) == 0 &&
                   std::memcmp(pair.data() + cpu.size(), single.data(), single.size() * sizeof(float)) == 0,
                   model + ": a batch of two (different bits) equals two single runs");
        }
    }
    const double identical = 100.0 * double(samePixels) / double(totalPixels);
    std::printf("%s total: %zu of %zu floats differ, %.4f%% identical 8-bit values\n", model.c_str(), totalDiffer, totalValues, identical);
    expect(identical >= 99.5, model + ": >= 99.5% identical 8-bit output values vs the CPU int8 plan");
    ok_or_die(adabm_gpu_plan_destroy(plan), "destroy");
    return failures;
}

// ---- throughput ----
int bench(int argc, char** argv) {
    const std::vector<uint8_t> desc = read_file<uint8_t>(argv[2]);
    const std::vector<int32_t> bits1 = read_file<int32_t>(argv[3]);
    const std::vector<float> img = read_file<float>(argv[4]);
    const int c = std::atoi(argv[5]), ih = std::atoi(argv[6]), iw = std::atoi(argv[7]);
    const int fh = std::atoi(argv[8]), fw = std::atoi(argv[9]), batch = std::atoi(argv[10]), frames = std::atoi(argv[11]);
    const int plans = argc > 12 ? std::atoi(argv[12]) : 1;
    // frames tiled (mirrored) from the LR image, so the content and bits are a real image's
    const size_t inCount = size_t(batch) * c * fh * fw;
    std::vector<int32_t> bits;
    for (int s = 0; s < batch; s++) bits.insert(bits.end(), bits1.begin(), bits1.end());
    struct Worker { void* plan = nullptr; float* in = nullptr; float* out = nullptr; size_t outCount = 0; };
    std::vector<Worker> workers(static_cast<size_t>(plans));
    for (Worker& wk : workers) {
        ok_or_die(adabm_gpu_plan_create(desc.data(), desc.size(), 0, &wk.plan), "plan create");
        int32_t o[4];
        ok_or_die(adabm_gpu_plan_output_shape(wk.plan, batch, c, fh, fw, o), "output shape");
        wk.outCount = size_t(o[0]) * o[1] * o[2] * o[3];
        void* p = nullptr;
        ok_or_die(adabm_gpu_host_alloc(inCount * sizeof(float), &p), "pinned input");
        wk.in = static_cast<float*>(p);
        ok_or_die(adabm_gpu_host_alloc(wk.outCount * sizeof(float), &p), "pinned output");
        wk.out = static_cast<float*>(p);
        for (int s = 0; s < batch; s++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < fh; y++)
                    for (int x = 0; x < fw; x++) {
                        const int ty = (y / ih) % 2 ? ih - 1 - y % ih : y % ih, tx = (x / iw) % 2 ? iw - 1 - x % iw : x % iw;
                        wk.in[((size_t(s) * c + ch) * fh + y) * fw + x] = img[(size_t(ch) * ih + ty) * iw + tx];
                    }
        ok_or_die(adabm_gpu_plan_run(wk.plan, wk.in, batch, c, fh, fw, bits.data(), bits.size(), nullptr, wk.out, wk.outCount, nullptr), "warm-up");
    }
    double macs = 0;
    ok_or_die(adabm_gpu_plan_int8_macs(workers[0].plan, &macs), "macs");
    // single plan: per-run time split
    std::vector<double> h2d, compute, d2h, wall;
    for (int i = 0; i < 5; i++) {
        const auto t0 = std::chrono::steady_clock::now();
        ok_or_die(adabm_gpu_plan_run(workers[0].plan, workers[0].in, batch, c, fh, fw, bits.data(), bits.size(), nullptr, workers[0].out, workers[0].outCount, nullptr), "run");
        wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        double a, b, d;
        ok_or_die(adabm_gpu_plan_last_times(workers[0].plan, &a, &b, &d), "times");
        h2d.push_back(a); compute.push_back(b); d2h.push_back(d);
    }
    auto median = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
    const double cm = median(compute);
    const double tops = macs > 0 ? 2.0 * macs * batch / (cm * 1e-3) / 1e12 : 0;
    std::printf("{\"what\":\"split\",\"batch\":%d,\"frame\":\"%dx%d\",\"h2d_ms\":%.3f,\"compute_ms\":%.3f,\"d2h_ms\":%.3f,\"wall_ms\":%.3f,"
                "\"int8_tops_in_compute\":%.1f,\"share_of_1979_tops_dense_int8_peak\":%.4f}\n",
                batch, fw, fh, median(h2d), cm, median(d2h), median(wall), tops, tops / 1979.0);
    // sustained throughput: each plan on its own host thread and stream
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (Worker& wk : workers)
        threads.emplace_back([&, wp = &wk] {
            for (int f = 0; f < frames; f += batch)
                ok_or_die(adabm_gpu_plan_run(wp->plan, wp->in, batch, c, fh, fw, bits.data(), bits.size(), nullptr, wp->out, wp->outCount, nullptr), "run");
        });
    for (std::thread& t : threads) t.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int done = plans * ((frames + batch - 1) / batch) * batch;
    std::printf("{\"what\":\"throughput\",\"plans\":%d,\"batch\":%d,\"frame\":\"%dx%d\",\"frames\":%d,\"seconds\":%.3f,\"frames_per_s\":%.2f}\n",
                plans, batch, fw, fh, done, secs, done / secs);
    // per-step profile of one run
    ok_or_die(adabm_gpu_plan_set_profiling(workers[0].plan, 1), "profiling");
    ok_or_die(adabm_gpu_plan_run(workers[0].plan, workers[0].in, batch, c, fh, fw, bits.data(), bits.size(), nullptr, workers[0].out, workers[0].outCount, nullptr), "profiled run");
    std::vector<adabm_step_time> steps(256);
    const int32_t count = adabm_gpu_plan_profile(workers[0].plan, steps.data(), steps.size());
    for (int32_t i = 0; i < count && i < 256; i++)
        std::printf("  step op %3d kind %d %8.3f ms  %s\n", steps[size_t(i)].op, steps[size_t(i)].kind, steps[size_t(i)].ms, steps[size_t(i)].implementation);
    for (Worker& wk : workers) {
        adabm_gpu_host_free(wk.in);
        adabm_gpu_host_free(wk.out);
        adabm_gpu_plan_destroy(wk.plan);
    }
    return failures;
}

}  // namespace

int quotient_check();  // quotient_check.cu

int main(int argc, char** argv) {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    const std::string mode = argc > 1 ? argv[1] : "";
    int rc = 0;
    if (mode == "selftest") rc = selftest();
    else if (mode == "fixtures" && argc == 5) rc = fixtures(argv[2], argv[3], argv[4]);
    else if (mode == "bench" && argc >= 12) rc = bench(argc, argv);
    else if (mode == "quotient") rc = quotient_check();
    else die("usage: adabm_gpu_check selftest | quotient | fixtures DIR MODEL OUTDIR | bench PLAN BITS IN C H W FRAME_H FRAME_W BATCH FRAMES [PLANS]");
    std::printf("%s: %d failure(s)\n", mode.c_str(), rc);
    return rc == 0 ? 0 : 1;
}
