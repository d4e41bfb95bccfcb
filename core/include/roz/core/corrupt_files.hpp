// roz corrupt: corruption plugins applied to image files, written as an ImageNet-C-style tree
// (OUT/corruption/level/relative/path.png), seeded per file exactly as roz eval seeds a sample.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "roz/params.hpp"
#include "roz/spec.hpp"

namespace roz::core {

class PluginHost;
class Registry;

struct CorruptOptions {
  std::vector<Spec> corruptions;
  std::filesystem::path input;   // one image file, or a folder searched recursively
  std::filesystem::path output;  // a folder; or an image file when the input is one file and there is one corruption
  std::uint64_t seed = 0;
  std::string format = "png";    // of the written files in a tree: png (lossless) or jpg (quality 95)
};

struct CorruptReport {
  std::size_t written = 0, skipped = 0;  // skipped: the corruption declined the image (e.g. text does not fit)
  std::vector<std::string> unreadable;   // one message per input image that could not be decoded
  double seconds = 0;
};

// The specs to apply: "all" stands for every corruption plugin with an ImageNet-C severity, at each
// of `severities` (1-5 when empty). Given severities also expand every spec whose plugin has a
// severity parameter and that sets nothing but its variant.
std::vector<Spec> expand_corruptions(const Registry& registry, const std::vector<std::string>& arguments,
                                     const std::vector<int>& severities);

// The tree level of a spec as written: its severity ("3") when it sets nothing else but the variant,
// else its parameters ("quality=20").
std::string corruption_level(const Spec& written, const Params& resolved);

CorruptReport corrupt_files(PluginHost& host, const CorruptOptions& options);

}  // namespace roz::core
