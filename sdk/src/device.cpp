#include "roz/device.hpp"

#include <torch/cuda.h>

#include <charconv>

#include "roz/error.hpp"

namespace roz {

c10::Device parse_device(const std::string& text, std::string_view what) {
  const std::string where = std::string(what) + " '" + text + "'";
  if (text == "cpu") return c10::Device(c10::kCPU);
  if (text.rfind("cuda", 0) != 0) throw ParamError(where + ": not a device (cpu, cuda or cuda:N)");
  int index = -1;
  if (text.size() > 4) {
    const char* first = text.data() + 5;
    const char* last = text.data() + text.size();
    auto [end, ec] = std::from_chars(first, last, index);
    if (text[4] != ':' || first == last || ec != std::errc() || end != last || index < 0)
      throw ParamError(where + ": not a device (cpu, cuda or cuda:N)");
  }
  if (!torch::cuda::is_available())
    throw ParamError(where + ": this machine (or this LibTorch build) has no usable CUDA device");
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (index >= count)
    throw ParamError(where + ": there are " + std::to_string(count) + " CUDA devices (cuda:0 to cuda:" +
                     std::to_string(count - 1) + ")");
  return index < 0 ? c10::Device(c10::kCUDA) : c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace roz
