// A corruption plugin whose parameters are drawn per image: in the spec, any scalar parameter may
// be a range lo..hi (jpeg_compression:quality=10..90). Integer parameters draw integers, real ones
// draw from 1,001 evenly spaced values, so there are finitely many plugin objects to create (they
// are created once, on first use). Draws are seeded per image.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "roz/spec.hpp"

namespace roz {
class Corruption;
}

namespace roz::core {

class PluginHost;

class PerturbationSampler {
 public:
  // Checks the spec against the plugin's schema at both ends of every range.
  PerturbationSampler(PluginHost& host, const std::string& spec);

  struct Draw {
    cv::Mat image;
    bool skipped = false;  // the corruption does not apply to this image
  };
  // Perturbs each image with its own draw; seeds[i] decides image i's parameters and noise.
  std::vector<Draw> apply(const std::vector<cv::Mat>& images, std::span<const std::uint64_t> seeds,
                          std::span<const std::int64_t> labels, std::span<const std::string> ids,
                          std::span<const std::string> class_names) const;

  // The spec with its ranges, as resolved at the ends (recorded with the model).
  const std::string& description() const { return description_; }

 private:
  struct Range {
    std::string name;
    double lo = 0, hi = 0;
    bool integer = false;
  };
  std::shared_ptr<Corruption> corruption(std::uint64_t seed) const;

  PluginHost& host_;
  Spec spec_;
  std::vector<Range> ranges_;
  std::string description_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<Corruption>> created_;
};

}  // namespace roz::core
