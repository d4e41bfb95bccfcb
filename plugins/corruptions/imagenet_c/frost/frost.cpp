// frost (ImageNet-C): c0 * image + c1 * a random crop of one of the frost photographs (chosen from
// the first five, as the reference's randint(5) does; frost6 is shipped but never drawn there).
// Full-size images: the photograph is enlarged (bicubic) until it covers the image, times 1.1, as
// imagecorruptions does. Small images: it is shrunk to 0.2 first, as CIFAR-10-C does, so a 32 px
// crop shows frost texture rather than one blurry patch.
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>

#include "frost_overlays.hpp"
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

constexpr int kDrawnOverlays = 5;

class Frost final : public roz::Corruption {
 public:
  explicit Frost(const roz::Params& p) : params_(p) {
    for (auto file : roz::frost::overlay_files()) {
      cv::Mat bytes(1, static_cast<int>(file.size()), CV_8U, const_cast<unsigned char*>(file.data()));
      cv::Mat bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
      if (bgr.empty()) throw roz::Error("frost: an embedded overlay image does not decode");
      cv::cvtColor(bgr, bgr, cv::COLOR_BGR2RGB);
      overlays_.push_back(bgr);
    }
  }

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    static constexpr std::array<std::array<double, 2>, 5> kImageNet = {
        {{1, 0.4}, {0.8, 0.6}, {0.7, 0.7}, {0.65, 0.7}, {0.6, 0.75}}};
    static constexpr std::array<std::array<double, 2>, 5> kCifar = {
        {{1, 0.2}, {1, 0.3}, {0.9, 0.4}, {0.85, 0.4}, {0.75, 0.45}}};
    const auto& [image_weight, frost_weight] = by_severity(params_, in.image, kImageNet, kCifar);
    cv::RNG rng(in.seed);
    const int index = rng.uniform(0, kDrawnOverlays);
    const bool small = use_cifar_constants(params_.get_string("variant"), in.image);
    const cv::Mat overlay = scaled_overlay(index, in.image.size(), small);
    const int top = rng.uniform(0, std::max(1, overlay.rows - in.image.rows));
    const int left = rng.uniform(0, std::max(1, overlay.cols - in.image.cols));
    const cv::Mat crop = overlay(cv::Rect(left, top, in.image.cols, in.image.rows));
    cv::Mat mixed;
    cv::addWeighted(in.image, image_weight, crop, frost_weight, 0, mixed, CV_32F);
    return {to_uint8(mixed / 255.0), {{"overlay", std::to_string(index + 1)}}, false};
  }

  // The overlay resized for images of this size; resized once per (overlay, size) and kept.
  cv::Mat scaled_overlay(int index, cv::Size image, bool small) const {
    const cv::Mat& original = overlays_[static_cast<size_t>(index)];
    std::lock_guard<std::mutex> lock(mutex_);
    const auto key = std::make_tuple(index, image.width, image.height, small);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    // imagecorruptions: the factor that makes the overlay cover the image (1 if it already does), x 1.1.
    const double cover = std::max({1.0, static_cast<double>(image.height) / original.rows,
                                   static_cast<double>(image.width) / original.cols}) *
                         1.1;
    cv::Mat scaled;
    const double shrink = 0.2;
    if (small && original.rows * shrink > image.height && original.cols * shrink > image.width) {
      cv::resize(original, scaled, cv::Size(), shrink, shrink, cv::INTER_LINEAR);
    } else {
      const cv::Size size(static_cast<int>(std::ceil(original.cols * cover)),
                          static_cast<int>(std::ceil(original.rows * cover)));
      cv::resize(original, scaled, size, 0, 0, cv::INTER_CUBIC);
    }
    if (cache_.size() >= 64) cache_.clear();  // bounded: a run sees few distinct image sizes
    cache_.emplace(key, scaled);
    return scaled;
  }

  roz::Params params_;
  std::vector<cv::Mat> overlays_;  // RGB
  mutable std::mutex mutex_;
  mutable std::map<std::tuple<int, int, int, bool>, cv::Mat> cache_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_frost() {
  return roz::imagenet_c::corruption_descriptor<Frost>(
      "frost", "ImageNet-C frost (frost photographs blended in, weight .4-.75; CIFAR-10-C .2-.45)",
      roz::imagenet_c::severity_only_params());
}
