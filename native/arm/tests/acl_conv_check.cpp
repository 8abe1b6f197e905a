// Checks AclInt8Conv (bit-exact) and AclFloatConv (float32 summation error) against naive loops on random data,
// for the shapes the SR models use and the edge cases of the im2col/GEMM plumbing. Built by build_and_run.sh for
// aarch64 and run under qemu. Prints "N passed, N failed"; exits non-zero on any failure. The script links it into a
// shared library the way the native library will be linked (static ACL inside) and runs it from check_launcher.cpp,
// so the entry point is an exported C function.
#include "../acl_float_conv.h"
#include "../acl_int8_conv.h"

#include <omp.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using namespace adabm;

namespace {

int passed = 0, failed = 0;

void report(bool ok, const std::string& what, const std::string& detail) {
    (ok ? passed : failed)++;
    std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", what.c_str(), detail.c_str());
}

struct Case {
    const char* name;
    AclConvShape s;
    int64_t n, h, w;
    int64_t blockRows = AclInt8Conv::kDefaultBlockRows;
    bool extreme = false;  // every input 255, codes -128 and 127 by output channel: the largest products
};

// acc[n,y,x,o] over the taps inside the image, in int64 (no overflow possible here).
std::vector<int64_t> naive_int8(const Case& c, const std::vector<uint8_t>& in, const std::vector<int8_t>& codes, int64_t ho, int64_t wo) {
    const AclConvShape& s = c.s;
    const int64_t cg = s.inC / s.groups, ng = s.outC / s.groups;
    std::vector<int64_t> acc(size_t(c.n * ho * wo * s.outC), 0);
    for (int64_t b = 0; b < c.n; ++b)
        for (int64_t y = 0; y < ho; ++y)
            for (int64_t x = 0; x < wo; ++x)
                for (int64_t o = 0; o < s.outC; ++o) {
                    const int64_t g = o / ng;
                    int64_t sum = 0;
                    for (int64_t ky = 0; ky < s.kh; ++ky)
                        for (int64_t kx = 0; kx < s.kw; ++kx) {
                            const int64_t iy = y - s.padT + ky, ix = x - s.padL + kx;
                            if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                            for (int64_t ci = 0; ci < cg; ++ci)
                                sum += int64_t(in[size_t(((b * c.h + iy) * c.w + ix) * s.inC + g * cg + ci)]) *
                                       codes[size_t(((o * cg + ci) * s.kh + ky) * s.kw + kx)];
                        }
                    acc[size_t(((b * ho + y) * wo + x) * s.outC + o)] = sum;
                }
    return acc;
}

void check_int8(const Case& c, std::mt19937& rng) {
    const AclConvShape& s = c.s;
    const int64_t cg = s.inC / s.groups;
    std::vector<uint8_t> in(size_t(c.n * c.h * c.w * s.inC));
    std::vector<int8_t> codes(size_t(s.outC * cg * s.kh * s.kw));
    // a quarter of the values at the extremes (255; -128 and 127), the rest uniform
    for (auto& v : in) v = c.extreme || rng() % 4 == 0 ? 255 : uint8_t(rng() % 256);
    for (auto& v : codes) v = rng() % 4 == 0 ? (rng() % 2 ? -128 : 127) : int8_t(int(rng() % 256) - 128);
    if (c.extreme)
        for (size_t i = 0; i < codes.size(); ++i) codes[i] = (i / size_t(cg * s.kh * s.kw)) % 2 ? 127 : -128;
    const int64_t ho = c.h + s.padT + s.padB - s.kh + 1, wo = c.w + s.padL + s.padR - s.kw + 1;
    const auto want = naive_int8(c, in, codes, ho, wo);
    std::vector<int32_t> got(want.size(), 0x5a5a5a5a);
    const auto t0 = std::chrono::steady_clock::now();
    AclInt8Conv conv(s, codes.data(), c.blockRows);
    conv.run(in.data(), c.n, c.h, c.w, got.data());
    conv.run(in.data(), c.n, c.h, c.w, got.data());  // again: the cached, already prepared GEMMs
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    size_t diffs = 0;
    for (size_t i = 0; i < want.size(); ++i) diffs += int64_t(got[i]) != want[i];
    report(diffs == 0, std::string("int8 ") + c.name,
           std::to_string(diffs) + " differences of " + std::to_string(want.size()) + " (" + conv.implementation() +
               ", " + std::to_string(int(ms)) + " ms)");
}

void check_float(const Case& c, std::mt19937& rng) {
    const AclConvShape& s = c.s;
    const int64_t cg = s.inC / s.groups, ng = s.outC / s.groups;
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> in(size_t(c.n * c.h * c.w * s.inC)), weight(size_t(s.outC * cg * s.kh * s.kw)), bias(size_t(s.outC));
    for (auto& v : in) v = u(rng);
    for (auto& v : weight) v = u(rng);
    for (auto& v : bias) v = u(rng);
    const int64_t ho = c.h + s.padT + s.padB - s.kh + 1, wo = c.w + s.padL + s.padR - s.kw + 1;
    std::vector<float> got(size_t(c.n * ho * wo * s.outC), std::nanf(""));
    AclFloatConv conv(s, weight.data(), bias.data());
    conv.run(in.data(), c.n, c.h, c.w, got.data());
    conv.run(in.data(), c.n, c.h, c.w, got.data());
    // Any order of float32 summation of K+1 terms errs by at most (K+1)*2^-24 * sum|terms| (first order), so that
    // bound cannot fail a correct conv, while a wrong tap, layout or group is off by about one whole term.
    const int64_t k = s.kh * s.kw * cg;
    const double bound = double(k + 1) * std::ldexp(1.0, -24);
    double worstRel = 0, worstAbs = 0;
    bool ok = true;
    for (int64_t b = 0; b < c.n; ++b)
        for (int64_t y = 0; y < ho; ++y)
            for (int64_t x = 0; x < wo; ++x)
                for (int64_t o = 0; o < s.outC; ++o) {
                    const int64_t g = o / ng;
                    double sum = bias[size_t(o)], mag = std::fabs(bias[size_t(o)]);
                    for (int64_t ky = 0; ky < s.kh; ++ky)
                        for (int64_t kx = 0; kx < s.kw; ++kx) {
                            const int64_t iy = y - s.padT + ky, ix = x - s.padL + kx;
                            if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                            for (int64_t ci = 0; ci < cg; ++ci) {
                                const double t = double(in[size_t(((b * c.h + iy) * c.w + ix) * s.inC + g * cg + ci)]) *
                                                 weight[size_t(((o * cg + ci) * s.kh + ky) * s.kw + kx)];
                                sum += t, mag += std::fabs(t);
                            }
                        }
                    const double diff = std::fabs(double(got[size_t(((b * ho + y) * wo + x) * s.outC + o)]) - sum);
                    if (!(diff <= bound * mag)) ok = false;  // also catches NaN (an unwritten output)
                    worstAbs = std::max(worstAbs, diff);
                    worstRel = std::max(worstRel, diff / mag);
                }
    char detail[256];
    std::snprintf(detail, sizeof detail, "max |diff| %.3g, max |diff|/sum|terms| %.3g (bound %.3g) (%s)", worstAbs,
                  worstRel, bound, conv.implementation().c_str());
    report(ok, std::string("float ") + c.name, detail);
}

template <typename Error, typename F>
void expect_error(const char* what, F&& f) {
    try {
        f();
        report(false, what, "no error");
    } catch (const Error& e) {
        report(true, what, e.what());
    } catch (const std::exception& e) {
        report(false, what, std::string("wrong error type: ") + e.what());
    }
}

}  // namespace

int main() {
    omp_set_num_threads(4);  // more than one whatever the host, so the row ranges split across threads (the convs'
                             // ACL pool follows the OpenMP count)
    std::mt19937 rng(20240807);
    const auto t0 = std::chrono::steady_clock::now();
    // name, {inC, outC, kh, kw, padT, padL, padB, padR, groups}, n, h, w [, blockRows, extreme]
    const std::vector<Case> cases = {
        {"3x3 pad1 64->64", {64, 64, 3, 3, 1, 1, 1, 1, 1}, 1, 10, 12},
        {"3x3 pad1 64->256", {64, 256, 3, 3, 1, 1, 1, 1, 1}, 1, 8, 8},
        {"3x3 pad1 3->64 (tiny inC)", {3, 64, 3, 3, 1, 1, 1, 1, 1}, 1, 16, 16},
        {"3x3 pad1 64->3", {64, 3, 3, 3, 1, 1, 1, 1, 1}, 1, 9, 11},
        {"1x1 pad0 128->64", {128, 64, 1, 1, 0, 0, 0, 0, 1}, 1, 8, 10},
        {"3x3 pad1 groups4 64->64", {64, 64, 3, 3, 1, 1, 1, 1, 4}, 1, 8, 8},
        {"3x3 asymmetric pad t0 l1 b2 r0 16->24", {16, 24, 3, 3, 0, 1, 2, 0, 1}, 1, 9, 10},
        {"3x3 pad1 odd 7x13 32->16 n2", {32, 16, 3, 3, 1, 1, 1, 1, 1}, 2, 7, 13},
        {"3x3 pad0 valid 24->8", {24, 8, 3, 3, 0, 0, 0, 0, 1}, 1, 6, 7},
        {"5x3 pad(2,1,2,1) 12->20", {12, 20, 5, 3, 2, 1, 2, 1, 1}, 1, 6, 9},
        {"3x3 pad1 1x1 image (M=1)", {16, 16, 3, 3, 1, 1, 1, 1, 1}, 1, 1, 1},
        {"3x3 pad1 512->16 (K=4608)", {512, 16, 3, 3, 1, 1, 1, 1, 1}, 1, 5, 6},
        {"3x3 pad1 16->24 n2 24x24, blocks of 100 rows (12 blocks)", {16, 24, 3, 3, 1, 1, 1, 1, 1}, 2, 24, 24, 100},
        {"3x3 pad1 groups2 16->8 n2, blocks of 37 rows", {16, 8, 3, 3, 1, 1, 1, 1, 2}, 2, 9, 11, 37},
        {"3x3 pad1 8->8 70x64 (default 4096-row blocks: 2)", {8, 8, 3, 3, 1, 1, 1, 1, 1}, 1, 70, 64},
        {"3x3 pad1 64->64 extreme values (255 x -128, 255 x 127)", {64, 64, 3, 3, 1, 1, 1, 1, 1}, 1, 6, 7,
         AclInt8Conv::kDefaultBlockRows, true},
    };
    for (const Case& c : cases) {
        check_int8(c, rng);
        if (!c.extreme) check_float(c, rng);
    }
    const int8_t codes[4 * 3 * 3 * 3] = {};
    const float weights[4 * 3 * 3 * 3] = {};
    expect_error<ArgumentError>("int8 groups not dividing channels", [&] { AclInt8Conv({3, 4, 3, 3, 1, 1, 1, 1, 2}, codes); });
    expect_error<ArgumentError>("float negative padding", [&] { AclFloatConv({3, 4, 3, 3, -1, 1, 1, 1, 1}, weights, nullptr); });
    expect_error<ShapeError>("int8 input smaller than the kernel", [&] {
        AclInt8Conv conv({3, 4, 3, 3, 0, 0, 0, 0, 1}, codes);
        uint8_t in[3 * 2 * 2] = {};
        int32_t acc[4] = {};
        conv.run(in, 1, 2, 2, acc);
    });
    expect_error<ShapeError>("int8 K beyond s32 safety", [&] {
        std::vector<int8_t> big(size_t(4000 * 9), 0);
        AclInt8Conv({4000, 1, 3, 3, 1, 1, 1, 1, 1}, big.data());
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%d passed, %d failed (%.1f s)\n", passed, failed, s);
    return failed == 0 ? 0 : 1;
}
