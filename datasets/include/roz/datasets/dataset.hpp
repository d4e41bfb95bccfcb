// A labelled image dataset as the runner sees it: samples with stable ids and class names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace roz::datasets {

struct Sample {
  std::string id;  // stable across runs (relative path): seeds and resumption key on it
  std::filesystem::path path;
  std::int64_t label = -1;
};

struct Dataset {
  std::string name;
  std::filesystem::path root;
  std::vector<std::string> class_names;
  std::vector<Sample> samples;
};

}  // namespace roz::datasets
