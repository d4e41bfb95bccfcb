// Autocast (mixed precision) for one device type while alive:
//
//   { AutocastScope scope(at::kCUDA, Precision::bf16); logits = model.encode_image(x); }   // bf16 matmuls inside
//
// Autocast runs matmuls, convolutions and attention in the low precision and keeps reductions,
// softmax and normalisation in fp32 (PyTorch's autocast op lists, the same as torch.autocast).
// Inputs, weights, images, perturbations and gradients stay fp32: an attack's eps ball is the
// same in every precision. The scope is thread-local, as autocast is: enter it on the thread that
// runs the model.
#pragma once

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

#include "roz/core/precision.hpp"

namespace roz::core {

// Nothing for fp32; restores the previous state, so scopes nest. Not copyable.
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
