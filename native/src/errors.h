// Typed failures inside the library; abi.cpp turns each into an ADABM_E_* code and a thread-local message.
#pragma once
#include <stdexcept>
#include <string>

namespace adabm {

struct PlanFormatError : std::runtime_error { using std::runtime_error::runtime_error; };
struct ShapeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct ArgumentError : std::runtime_error { using std::runtime_error::runtime_error; };

}  // namespace adabm
