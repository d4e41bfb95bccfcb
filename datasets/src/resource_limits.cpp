#include "roz/datasets/resource_limits.hpp"

#include <cstdlib>
#include <string>

#include "roz/error.hpp"
#include "roz/spec.hpp"

namespace roz::datasets {

namespace {

void read_cap(const char* variable, std::uint64_t& cap, std::uint64_t unit = 1) {
  const char* text = std::getenv(variable);
  if (text == nullptr) return;
  long long value = 0;
  if (!parse_integer(text, value) || value <= 0 ||
      static_cast<std::uint64_t>(value) > UINT64_MAX / unit)
    throw Error(std::string("environment variable ") + variable + "='" + text + "': expected a positive integer");
  cap = static_cast<std::uint64_t>(value) * unit;
}

ResourceLimits read_limits() {
  ResourceLimits caps;
  read_cap("ROZ_MAX_IMAGE_FILE_MIB", caps.image_file_bytes, std::uint64_t{1} << 20);
  read_cap("ROZ_MAX_IMAGE_PIXELS", caps.image_pixels);
  read_cap("ROZ_MAX_ASPECT_RATIO", caps.aspect_ratio);
  read_cap("ROZ_MAX_DATA_FILE_MIB", caps.data_file_bytes, std::uint64_t{1} << 20);
  read_cap("ROZ_MAX_CLASSES", caps.classes);
  return caps;
}

}  // namespace

const ResourceLimits& resource_limits() {
  static const ResourceLimits caps = read_limits();
  return caps;
}

}  // namespace roz::datasets
