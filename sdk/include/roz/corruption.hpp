// The corruption interface: uint8 RGB image -> uint8 RGB image, seeded per sample.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "roz/descriptor.hpp"

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

struct CorruptionInput {
  cv::Mat image;       // CV_8UC3, RGB
  std::uint64_t seed;  // from (run seed, condition, sample id)
  std::int64_t label = -1;
  std::span<const std::string> class_names;  // e.g. for typographic attacks
  std::string sample_id;
};

struct CorruptionOutput {
  cv::Mat image;                                // CV_8UC3, RGB, same size as the input
  std::map<std::string, std::string> metadata;  // e.g. {"written_label": "cat"}
  bool skipped = false;                         // the corruption does not apply to this sample
};

// A plugin derives and implements apply_; the public call is non-virtual and checks the contract
// once, here, for every corruption. apply is called concurrently from worker threads:
// implementations keep no mutable state.
class Corruption : public Plugin {
 public:
  ~Corruption() override;
  // Checks the input (a non-empty CV_8UC3 image), runs apply_, then checks its result: unless
  // skipped, an image of the input's size and type. A violation throws roz::Error naming the sample.
  CorruptionOutput apply(const CorruptionInput& input) const;

 private:
  virtual CorruptionOutput apply_(const CorruptionInput& input) const = 0;
};

}  // namespace roz

#pragma GCC visibility pop
