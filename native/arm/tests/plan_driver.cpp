// Runs plans from files, so that a plan made and checked on x86-64 can be run by the aarch64 library under
// qemu-aarch64 and the outputs compared (tests/adabm/backend/arm/ArmEmulationTest.java):
//   adabm_plan_driver [--threads N] [--flags F] [--float 1] [--plans K] PLAN.bin IMAGE.in...
// Integer plans (adabm_qplan_*) by default; --float 1 runs a float32 plan (adabm_plan_*; the bits are ignored).
// --plans K: K plans of the description run each image at the same time on K threads (a server's engine pool) and
// must give the same output.
// PLAN.bin: a plan description (the bytes Java's PlanEncoder makes). IMAGE.in, little-endian: "ADIN", int32 n, c, h, w,
// int32 bitsLen, bitsLen int32 activation bits (per op, as adabm_qplan_run takes them), n*c*h*w float32 NCHW.
// Writes IMAGE.out beside each: "ADOU", int32 n, c, h, w, then the output floats. Exit code 0, or 1 with a message.
// Under emulation the printed times say nothing about ARM speed; bench on real hardware for that.
#include "adabm.h"
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

std::vector<char> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

struct Reader {
    const std::vector<char>& bytes;
    const std::string& path;
    size_t at = 0;
    void take(void* out, size_t n) {
        if (bytes.size() - at < n) throw std::runtime_error(path + ": truncated at byte " + std::to_string(at));
        std::memcpy(out, bytes.data() + at, n);
        at += n;
    }
    int32_t i32() { int32_t v; take(&v, 4); return v; }
};

void check(int32_t rc, const char* what) {
    if (rc != ADABM_OK) throw std::runtime_error(std::string(what) + " failed (" + std::to_string(rc) + "): " + adabm_last_error());
}

// the entry points of one kind of plan
struct PlanApi {
    bool isFloat = false;
    int32_t output_shape(void* plan, int32_t n, int32_t c, int32_t h, int32_t w, int32_t* shape) const {
        return isFloat ? adabm_plan_output_shape(plan, n, c, h, w, shape) : adabm_qplan_output_shape(plan, n, c, h, w, shape);
    }
    int32_t run(void* plan, const float* in, int32_t n, int32_t c, int32_t h, int32_t w, const std::vector<int32_t>& bits,
                float* out, size_t capacity) const {
        return isFloat ? adabm_plan_run(plan, in, n, c, h, w, out, capacity)
                       : adabm_qplan_run(plan, in, n, c, h, w, bits.data(), bits.size(), out, capacity);
    }
};

struct Image {
    int32_t n = 0, c = 0, h = 0, w = 0;
    std::vector<int32_t> bits;
    std::vector<float> in;
};

Image read_image(const std::string& path) {
    if (path.size() < 4 || path.compare(path.size() - 3, 3, ".in") != 0)
        throw std::runtime_error(path + ": an image file must end in .in (its output goes to .out beside it)");
    const std::vector<char> bytes = read_file(path);
    Reader r{bytes, path};
    char magic[4];
    r.take(magic, 4);
    if (std::memcmp(magic, "ADIN", 4) != 0) throw std::runtime_error(path + ": not an ADIN image file");
    Image im;
    im.n = r.i32(); im.c = r.i32(); im.h = r.i32(); im.w = r.i32();
    const int32_t bitsLen = r.i32();
    if (im.n <= 0 || im.c <= 0 || im.h <= 0 || im.w <= 0 || bitsLen < 0 || bitsLen > (1 << 20))
        throw std::runtime_error(path + ": bad header");
    im.bits.resize(static_cast<size_t>(bitsLen));
    r.take(im.bits.data(), im.bits.size() * 4);
    im.in.resize(size_t(im.n) * size_t(im.c) * size_t(im.h) * size_t(im.w));
    r.take(im.in.data(), im.in.size() * 4);
    if (r.at != bytes.size()) throw std::runtime_error(path + ": " + std::to_string(bytes.size() - r.at) + " bytes past the image");
    return im;
}

std::vector<float> run_plan(const PlanApi& api, void* plan, const Image& im, int32_t shape[4]) {
    check(api.output_shape(plan, im.n, im.c, im.h, im.w, shape), "output shape");
    std::vector<float> out(size_t(shape[0]) * size_t(shape[1]) * size_t(shape[2]) * size_t(shape[3]));
    check(api.run(plan, im.in.data(), im.n, im.c, im.h, im.w, im.bits, out.data(), out.size()), "plan run");
    return out;
}

// Runs the image on every plan at once, one thread each (a server's pool of engines), and requires equal outputs.
void run_image(const PlanApi& api, const std::vector<void*>& plans, const std::string& path) {
    const Image im = read_image(path);
    int32_t shape[4];
    std::vector<std::vector<float>> outs(plans.size());
    std::vector<std::string> errors(plans.size());
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (size_t k = 0; k < plans.size(); k++)
        threads.emplace_back([&, k] {
            try {
                int32_t s[4];
                outs[k] = run_plan(api, plans[k], im, s);
                if (k == 0) std::memcpy(shape, s, sizeof s);
            } catch (const std::exception& e) {
                errors[k] = e.what();
            }
        });
    for (std::thread& t : threads) t.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (size_t k = 0; k < plans.size(); k++) {
        if (!errors[k].empty()) throw std::runtime_error(path + ", plan " + std::to_string(k) + ": " + errors[k]);
        if (std::memcmp(outs[k].data(), outs[0].data(), outs[0].size() * 4) != 0)
            throw std::runtime_error(path + ": plan " + std::to_string(k) + ", run at the same time as plan 0, gave another output");
    }

    const std::string outPath = path.substr(0, path.size() - 3) + ".out";
    std::ofstream o(outPath, std::ios::binary);
    o.write("ADOU", 4);
    o.write(reinterpret_cast<const char*>(shape), sizeof shape);
    o.write(reinterpret_cast<const char*>(outs[0].data()), std::streamsize(outs[0].size() * 4));
    if (!o) throw std::runtime_error("cannot write " + outPath);
    std::printf("%s: %dx%dx%dx%d -> %dx%dx%dx%d on %zu plan(s) at once, %.2f s (under emulation if this is qemu: not ARM speed)\n",
                path.c_str(), im.n, im.c, im.h, im.w, shape[0], shape[1], shape[2], shape[3], plans.size(), s);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        int threads = 1, flags = 0, planCount = 1, i = 1;
        PlanApi api;
        for (; i < argc && std::strncmp(argv[i], "--", 2) == 0; i += 2) {
            if (i + 1 >= argc) throw std::runtime_error(std::string(argv[i]) + " needs a value");
            if (std::strcmp(argv[i], "--threads") == 0) threads = std::stoi(argv[i + 1]);
            else if (std::strcmp(argv[i], "--flags") == 0) flags = std::stoi(argv[i + 1]);
            else if (std::strcmp(argv[i], "--float") == 0) api.isFloat = std::stoi(argv[i + 1]) != 0;
            else if (std::strcmp(argv[i], "--plans") == 0) planCount = std::stoi(argv[i + 1]);
            else throw std::runtime_error(std::string("unknown option ") + argv[i]);
        }
        if (argc - i < 2) {
            std::fprintf(stderr, "usage: adabm_plan_driver [--threads N] [--flags F] [--float 1] [--plans K] PLAN.bin IMAGE.in...\n");
            return 2;
        }
        const std::vector<char> desc = read_file(argv[i]);
        if (planCount < 1 || planCount > 64) throw std::runtime_error("--plans must be 1..64");
        const auto* bytes = reinterpret_cast<const uint8_t*>(desc.data());
        std::vector<void*> plans;
        for (int k = 0; k < planCount; k++) {
            void* plan = nullptr;
            check(api.isFloat ? adabm_plan_create(bytes, desc.size(), threads, &plan)
                              : adabm_qplan_create(bytes, desc.size(), threads, flags, &plan), "plan create");
            plans.push_back(plan);
        }
        std::printf("library backend: %s, abi %d, %s plan\n", adabm_native_backend(), adabm_abi_version(),
                    api.isFloat ? "float32" : "integer");
        for (int k = i + 1; k < argc; k++) run_image(api, plans, argv[k]);
        std::vector<char> impl(1 << 16);
        if ((api.isFloat ? adabm_plan_implementations(plans[0], impl.data(), impl.size())
                         : adabm_qplan_implementations(plans[0], impl.data(), impl.size())) >= 0)
            std::printf("%s", impl.data());
        for (void* plan : plans) check(api.isFloat ? adabm_plan_destroy(plan) : adabm_qplan_destroy(plan), "plan destroy");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "adabm_plan_driver: %s\n", e.what());
        return 1;
    }
}
