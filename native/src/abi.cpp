#include "adabm.h"
#include <oneapi/dnnl/dnnl.hpp>
#include <string>

namespace {
thread_local std::string g_last_error;
}

extern "C" int32_t adabm_abi_version(void) { return 1; }

extern "C" const char* adabm_last_error(void) { return g_last_error.c_str(); }
