// contrast (ImageNet-C): (x - mean) * factor + mean, with the per-channel mean over the image.
#include "imagenet_c_library.hpp"
#include "roz/corruption.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

class Contrast final : public roz::Corruption {
 public:
  explicit Contrast(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    const double factor =
        roz::imagenet_c::level(params_, "factor", {.4, .3, .2, .1, .05}, {.75, .5, .4, .3, .15}, in.image);
    cv::Mat x = roz::imagenet_c::to_unit(in.image);
    const cv::Scalar mean = cv::mean(x);
    for (int r = 0; r < x.rows; ++r) {
      auto* row = x.ptr<cv::Vec3d>(r);
      for (int c = 0; c < x.cols; ++c)
        for (int ch = 0; ch < 3; ++ch) row[c][ch] = (row[c][ch] - mean[ch]) * factor + mean[ch];
    }
    return {roz::imagenet_c::to_uint8(x), {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_contrast() {
  return {.name = "contrast",
          .kind = roz::PluginKind::corruption,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "ImageNet-C contrast reduction (factor .4-.05; CIFAR-10-C .75-.15), or any factor",
          .params = roz::imagenet_c::severity_params("factor", 0, 10, "contrast multiplier (1: unchanged, >1: more)"),
          .capabilities = roz::kDeterministic,
          .create = roz::factory<Contrast>()};
}
