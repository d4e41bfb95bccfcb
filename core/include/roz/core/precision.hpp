// Numeric precision of model forward passes: fp32, or bf16 / fp16 autocast (mixed precision).
//
//   Precision p = parse_precision("bf16", "--precision");
//   { AutocastScope scope(at::kCUDA, p); logits = model.encode_image(x); }   // bf16 matmuls inside
//
// Autocast runs matmuls, convolutions and attention in the low precision and keeps reductions,
// softmax and normalisation in fp32 (PyTorch's autocast op lists, the same as torch.autocast).
// Inputs, weights, images, perturbations and gradients stay fp32: an attack's eps ball is the
// same in every precision. The scope is thread-local, as autocast is: enter it on the thread that
// runs the model.
#pragma once

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

#include <string>
#include <string_view>

namespace roz::core {

enum class Precision { fp32, bf16, fp16 };

// "fp32" | "bf16" | "fp16"; throws ParamError naming `what` (the option or config key) otherwise.
Precision parse_precision(const std::string& text, std::string_view what);
const char* to_string(Precision precision);

// Autocast for `device_type` at `precision` while alive (nothing for fp32); restores the previous
// state, so scopes nest. Not copyable.
class AutocastScope {
 public:
  AutocastScope(c10::DeviceType device_type, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_type_;
  bool active_ = false;
  bool was_enabled_ = false;
  c10::ScalarType was_dtype_{};
};

}  // namespace roz::core
