// saturate (ImageNet-C extra): HSV saturation s * a + b with (a, b) per severity, or s * factor.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

class Saturate final : public roz::Corruption {
 public:
  explicit Saturate(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    static constexpr std::array<std::array<double, 2>, 5> kImageNet = {
        {{0.3, 0}, {0.1, 0}, {2, 0}, {5, 0.1}, {20, 0.2}}};
    static constexpr std::array<std::array<double, 2>, 5> kCifar = {
        {{0.3, 0}, {0.1, 0}, {1.5, 0}, {2, 0.1}, {2.5, 0.2}}};
    std::array<double, 2> ab{};
    if (params_.has("factor")) {
      ab = {params_.get_real("factor"), 0.0};
    } else {
      const auto s = static_cast<size_t>(params_.get_int("severity") - 1);
      ab = use_cifar_constants(params_.get_string("variant"), in.image) ? kCifar[s] : kImageNet[s];
    }
    return {map_pixels(in.image,
                       [&](const cv::Vec3d& rgb) {
                         cv::Vec3d hsv = rgb_to_hsv(rgb);
                         hsv[1] = std::clamp(hsv[1] * ab[0] + ab[1], 0.0, 1.0);
                         return hsv_to_rgb(hsv);
                       }),
            {},
            false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_saturate() {
  return {.name = "saturate",
          .kind = roz::PluginKind::corruption,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "ImageNet-C saturate (HSV saturation scaled and shifted), or a saturation factor",
          .params = roz::imagenet_c::severity_params("factor", 0, 100, "multiplies the HSV saturation"),
          .capabilities = roz::kDeterministic,
          .create = roz::factory<Saturate>()};
}
