// Shape inference over a parsed plan for one input size: the native twin of Graph.inferShapes.
#pragma once
#include "plan_format.h"
#include <cstdint>
#include <vector>

namespace adabm {

struct Shape {
    int64_t c = 0, h = 0, w = 0;
    int64_t pixels() const { return h * w; }
};

// Per-tensor shapes (index = tensor id) for an input of c x h x w; throws ShapeError naming the op.
std::vector<Shape> infer_shapes(const PlanDesc& plan, int64_t c, int64_t h, int64_t w);

// The plan's output shape (n, c, h, w) for an n x c x h x w input; checks the batch size.
void plan_output_shape(const PlanDesc& plan, int64_t n, int64_t c, int64_t h, int64_t w, int64_t out[4]);

}  // namespace adabm
