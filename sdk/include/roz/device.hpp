// Where tensors live: "cpu", "cuda" (the current CUDA device) or "cuda:N".
//
//   at::Device d = roz::parse_device(context.device, "--device");   // throws when unusable here
//
// Every model plugin places itself with it, so a CUDA request on a machine or a build without a usable
// GPU is one clear error naming the device, never a crash. Thread-safe.
#pragma once

#include <c10/core/Device.h>

#include <string>
#include <string_view>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

// Throws roz::ParamError naming `what` (the option or parameter) and the text when it is not a device
// name, when this LibTorch has no usable CUDA, or when device N does not exist.
c10::Device parse_device(const std::string& text, std::string_view what);

}  // namespace roz

#pragma GCC visibility pop
