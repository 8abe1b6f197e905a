// The one oneDNN CPU engine of the library (x86-64 build): primitives are created on it and streams made from it.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

namespace adabm {

inline const dnnl::engine& cpu_engine() {
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

}  // namespace adabm
