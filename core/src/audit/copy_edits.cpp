#include "roz/core/copy_edits.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "roz/core/plugin_host.hpp"
#include "roz/corruption.hpp"
#include "roz/seed.hpp"
#include "roz/spec.hpp"

namespace roz::core {

namespace {

// Uniform in [0, 1) from the next step of a SplitMix64 stream: the same on every platform.
class Draws {
 public:
  explicit Draws(std::uint64_t seed) : state_(seed) {}
  double uniform() { return static_cast<double>(mix64(state_++) >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

 private:
  std::uint64_t state_;
};

constexpr std::array<const char*, 6> kWords = {"sale", "photo", "copy", "2019", "stock", "new"};

}  // namespace

const std::vector<std::string>& copy_edit_kinds() {
  static const std::vector<std::string> kinds = {"jpeg", "rescale", "crop", "photometric", "rotation", "text"};
  return kinds;
}

CopyEdit draw_copy_edit(std::uint64_t seed) {
  Draws d(seed);
  const auto& kinds = copy_edit_kinds();
  const auto kind = static_cast<std::size_t>(d.uniform() * static_cast<double>(kinds.size()));
  CopyEdit edit{kinds[kind], {}, seed};
  switch (kind) {
    case 0:
      edit.spec = fmt::format("jpeg_compression:quality={}", 30 + static_cast<int>(d.uniform() * 61));
      break;
    case 1:
      edit.spec = fmt::format("resize:scale={:.4f}", d.uniform(0.5, 0.9));
      break;
    case 2:
      edit.spec = fmt::format("crop:fraction={:.4f},position=random", d.uniform(std::sqrt(0.8), 1.0));
      break;
    case 3: {
      const bool brightness = d.uniform() < 0.5;
      edit.spec = fmt::format("{}:factor={:.4f}", brightness ? "brightness" : "contrast", d.uniform(0.8, 1.2));
      break;
    }
    case 4:
      edit.spec = fmt::format("rotation:degrees={:.4f}", d.uniform(-5, 5));
      break;
    default:
      edit.spec = fmt::format("typographic:text={},copies=1",
                              kWords[static_cast<std::size_t>(d.uniform() * static_cast<double>(kWords.size()))]);
  }
  return edit;
}

cv::Mat apply_copy_edit(PluginHost& host, const CopyEdit& edit, const cv::Mat& rgb, const std::string& sample_id) {
  const std::shared_ptr<Corruption> corruption =
      host.create_corruption(host.resolve(PluginKind::corruption, parse_spec(edit.spec)));
  return corruption->apply(CorruptionInput{rgb, edit.seed, -1, {}, sample_id}).image;
}

}  // namespace roz::core
