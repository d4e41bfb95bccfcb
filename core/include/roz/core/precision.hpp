// Numeric precision of model forward passes: fp32, or bf16 / fp16 autocast (mixed precision,
// autocast_scope.hpp). No LibTorch header here: configs and options name a precision without it.
//
//   Precision p = parse_precision("bf16", "--precision");
#pragma once

#include <string>
#include <string_view>

namespace roz::core {

enum class Precision { fp32, bf16, fp16 };

// "fp32" | "bf16" | "fp16"; throws ParamError naming `what` (the option or config key) otherwise.
Precision parse_precision(const std::string& text, std::string_view what);
const char* to_string(Precision precision);

}  // namespace roz::core
