// brightness: ImageNet-C's (value channel of HSV raised by .1-.5; CIFAR-10-C .05-.3) by severity,
// or the editing perturbation `factor` (every channel multiplied, as PIL's ImageEnhance.Brightness).
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

class Brightness final : public roz::Corruption {
 public:
  explicit Brightness(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    if (params_.has("factor")) {
      const double factor = params_.get_real("factor");
      return {map_pixels(in.image, [&](const cv::Vec3d& rgb) { return rgb * factor; }), {}, false};
    }
    const double shift = level(params_, "shift", {.1, .2, .3, .4, .5}, {.05, .1, .15, .2, .3}, in.image);
    return {map_pixels(in.image,
                       [&](const cv::Vec3d& rgb) {
                         cv::Vec3d hsv = rgb_to_hsv(rgb);
                         hsv[2] = std::clamp(hsv[2] + shift, 0.0, 1.0);
                         return hsv_to_rgb(hsv);
                       }),
            {},
            false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_brightness() {
  auto params = roz::imagenet_c::severity_params("shift", -1, 1, "added to the HSV value channel");
  params.push_back(roz::param::optional(
      roz::param::real("factor", 1, 0, 100, "multiplies every channel (editing perturbation); overrides severity")));
  return {.name = "brightness",
          .kind = roz::PluginKind::corruption,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "ImageNet-C brightness (HSV value shift), or a multiplicative brightness factor",
          .params = params,
          .capabilities = roz::kDeterministic,
          .create = roz::factory<Brightness>()};
}
