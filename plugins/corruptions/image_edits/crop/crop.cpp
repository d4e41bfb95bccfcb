// crop (editing perturbation): keeps `fraction` of each side (centred, or at a random position per
// sample) and resizes it back to the original size (bilinear): a zoom-in that cuts off the borders.
#include <opencv2/imgproc.hpp>

#include "image_edits_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

class Crop final : public roz::Corruption {
 public:
  explicit Crop(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    const double fraction = params_.get_real("fraction");
    const int width = std::max(1, static_cast<int>(std::lround(in.image.cols * fraction)));
    const int height = std::max(1, static_cast<int>(std::lround(in.image.rows * fraction)));
    int left = (in.image.cols - width) / 2, top = (in.image.rows - height) / 2;
    if (params_.get_string("position") == "random") {
      cv::RNG rng(in.seed);
      left = rng.uniform(0, in.image.cols - width + 1);
      top = rng.uniform(0, in.image.rows - height + 1);
    }
    cv::Mat out;
    cv::resize(in.image(cv::Rect(left, top, width, height)), out, in.image.size(), 0, 0, cv::INTER_LINEAR);
    return {out,
            {{"box", std::to_string(left) + "," + std::to_string(top) + "," + std::to_string(width) + "," +
                         std::to_string(height)}},
            false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_crop() {
  return roz::imagenet_c::corruption_descriptor<Crop>(
      "crop", "crop keeping a fraction of each side, resized back to the original size",
      {roz::param::real("fraction", 0.8, 0.01, 1, "side fraction kept"),
       roz::param::choice("position", "center", {"center", "random"},
                          "where the crop sits (random: seeded per sample)")});
}
