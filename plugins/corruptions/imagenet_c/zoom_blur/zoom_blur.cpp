// zoom_blur (ImageNet-C): the mean of the image and its central crops zoomed by each factor of a
// severity's range (1 to 1.11 .. 1.31; CIFAR-10-C 1 to 1.06 .. 1.26), bilinear as scipy's zoom.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

// numpy.arange(start, stop, step): ceil((stop - start) / step) values start + i * step.
std::vector<double> arange(double start, double stop, double step) {
  std::vector<double> values;
  const auto n = static_cast<int>(std::ceil((stop - start) / step));
  for (int i = 0; i < n; ++i) values.push_back(start + i * step);
  return values;
}

class ZoomBlur final : public roz::Corruption {
 public:
  explicit ZoomBlur(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    // (stop, step) of arange(1, stop, step)
    static constexpr std::array<std::array<double, 2>, 5> kImageNet = {
        {{1.11, 0.01}, {1.16, 0.01}, {1.21, 0.02}, {1.26, 0.02}, {1.31, 0.03}}};
    static constexpr std::array<std::array<double, 2>, 5> kCifar = {
        {{1.06, 0.01}, {1.11, 0.01}, {1.16, 0.01}, {1.21, 0.01}, {1.26, 0.01}}};
    const auto& [stop, step] = by_severity(params_, in.image, kImageNet, kCifar);
    const std::vector<double> zooms = arange(1.0, stop, step);
    cv::Mat x = to_unit_float(in.image);
    cv::Mat sum = x.clone();
    for (double zoom : zooms) sum += clipped_zoom(x, zoom);
    return {to_uint8(sum / static_cast<double>(zooms.size() + 1)), {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_zoom_blur() {
  return roz::imagenet_c::corruption_descriptor<ZoomBlur>(
      "zoom_blur", "ImageNet-C zoom blur (zoom up to 1.11-1.31; CIFAR-10-C 1.06-1.26)",
      roz::imagenet_c::severity_only_params(), roz::kDeterministic);
}
