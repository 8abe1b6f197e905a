// epilogue_avx512.h on aarch64: there is no hand-written vector epilogue here, so apply_epilogue always takes the
// portable loops (int8_epilogue.cpp), which GCC auto-vectorises to Advanced SIMD (NEON) at -O3. Same IEEE operations
// in the same order as on x86-64 (the build has -ffp-contract=off), so the outputs match the x86 library's.
#include "epilogue_avx512.h"
#include <stdexcept>

namespace adabm {

bool fast_epilogue_available() { return false; }

bool fast_epilogue_flat_ok(int64_t, int64_t, const std::vector<ChainStage>&) { return false; }

FastSink fast_sink(const CodeSink&) { throw std::logic_error("fast_sink: no vector epilogue on this CPU"); }

FastStage fast_stage(const ChainStage&) { throw std::logic_error("fast_stage: no vector epilogue on this CPU"); }

void fast_epilogue_block(const FastBlock&) { throw std::logic_error("fast_epilogue_block: no vector epilogue on this CPU"); }

}  // namespace adabm
