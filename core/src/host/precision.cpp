#include "roz/core/precision.hpp"

#include "roz/error.hpp"

namespace roz::core {

Precision parse_precision(const std::string& text, std::string_view what) {
  if (text == "fp32") return Precision::fp32;
  if (text == "bf16") return Precision::bf16;
  if (text == "fp16") return Precision::fp16;
  throw ParamError(std::string(what) + " '" + text + "': not a precision (fp32, bf16 or fp16)");
}

const char* to_string(Precision precision) {
  switch (precision) {
    case Precision::bf16:
      return "bf16";
    case Precision::fp16:
      return "fp16";
    case Precision::fp32:
      break;
  }
  return "fp32";
}

}  // namespace roz::core
