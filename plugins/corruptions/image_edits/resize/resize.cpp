// resize (editing perturbation): down to `scale` of each side and back up to the original size, the
// loss of detail of a thumbnail pipeline. Deterministic.
#include <opencv2/imgproc.hpp>

#include "image_edits_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

int interpolation(const std::string& name) {
  if (name == "nearest") return cv::INTER_NEAREST;
  if (name == "bilinear") return cv::INTER_LINEAR;
  if (name == "bicubic") return cv::INTER_CUBIC;
  return cv::INTER_AREA;
}

class Resize final : public roz::Corruption {
 public:
  explicit Resize(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    const double scale = params_.get_real("scale");
    const cv::Size small(std::max(1, static_cast<int>(std::lround(in.image.cols * scale))),
                         std::max(1, static_cast<int>(std::lround(in.image.rows * scale))));
    cv::Mat down, up;
    cv::resize(in.image, down, small, 0, 0, interpolation(params_.get_string("down")));
    cv::resize(down, up, in.image.size(), 0, 0, interpolation(params_.get_string("up")));
    return {up, {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_resize() {
  return roz::imagenet_c::corruption_descriptor<Resize>(
      "resize", "down-up resize: each side scaled by `scale`, then back to the original size",
      {roz::param::real("scale", 0.5, 0.01, 1, "side fraction of the intermediate image"),
       roz::param::choice("down", "area", {"area", "bilinear", "bicubic", "nearest"}, "downscaling filter"),
       roz::param::choice("up", "bilinear", {"bilinear", "bicubic", "nearest"}, "upscaling filter")},
      roz::kDeterministic);
}
