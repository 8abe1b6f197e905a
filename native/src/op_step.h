// Runs one non-conv op of a parsed plan on NHWC float32 tensors: the switch shared by the float plan (plan.cpp)
// and the integer plan (qplan.cpp).
#pragma once
#include "plan_format.h"
#include "shapes.h"
#include <cstdint>
#include <vector>

namespace adabm {

// tensor[t]: tensor t's NHWC buffer (index = tensor id); y: the op's output buffer.
void run_simple_op(const PlanDesc& desc, const OpDesc& op, int64_t n, const std::vector<Shape>& shapes,
                   const std::vector<float*>& tensor, float* y);

}  // namespace adabm
