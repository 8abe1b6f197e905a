// float32 NHWC convolution with bias (stride 1, dilation 1, per-side zero padding, groups) on the ARM Compute
// Library 20.08's NEGEMMConvolutionLayer. 20.08 refuses num_groups != 1 on NEON, so a grouped conv runs one
// layer per group on that group's channel slice. ACL sums in its own order (and may fuse multiply-adds), so the
// result matches a float64 reference to float32 summation error, not bit for bit.
#pragma once
#include "acl_support.h"

#include <arm_compute/runtime/NEON/functions/NEGEMMConvolutionLayer.h>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace adabm {

class AclFloatConv {
public:
    static constexpr size_t kMaxCachedShapes = 3;

    // weightOIHW: outC x inC/groups x kh x kw; bias: outC floats (null: zeros); both copied.
    AclFloatConv(const AclConvShape& s, const float* weightOIHW, const float* bias);
    ~AclFloatConv();

    // in: n x h x w x inC, out: n x ho x wo x outC (NHWC float32).
    void run(const float* in, int64_t n, int64_t h, int64_t w, float* out);

    const std::string& implementation() const { return impl_; }
    const AclConvShape& shape() const { return s_; }

private:
    struct ShapeState;  // the configured layers (one per group) for one input shape
    ShapeState& state_for(int64_t n, int64_t h, int64_t w);

    AclConvShape s_;
    int64_t cg_, ng_;
    std::vector<float> weight_, bias_;                // OIHW as given; bias (zeros when none)
    std::list<std::unique_ptr<ShapeState>> shapes_;  // most recently used first
    std::string impl_;
};

}  // namespace adabm
