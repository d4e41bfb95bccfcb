// gaussian_blur (ImageNet-C extra): skimage.filters.gaussian, i.e. a Gaussian of standard deviation
// sigma truncated at 4 sigma, edges repeated ('nearest'), on [0,1] values.
#include <opencv2/imgproc.hpp>

#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

class GaussianBlur final : public roz::Corruption {
 public:
  explicit GaussianBlur(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    const double sigma = roz::imagenet_c::level(params_, "sigma", {1, 2, 3, 4, 6}, {.4, .6, .7, .8, 1}, in.image);
    return {
        roz::imagenet_c::to_uint8(roz::imagenet_c::skimage_gaussian(roz::imagenet_c::to_unit_float(in.image), sigma)),
        {},
        false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_gaussian_blur() {
  return {.name = "gaussian_blur",
          .kind = roz::PluginKind::corruption,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "ImageNet-C Gaussian blur (sigma 1-6 px; CIFAR-10-C 0.4-1), or any sigma",
          .params = roz::imagenet_c::severity_params("sigma", 0.01, 100, "blur standard deviation in pixels"),
          .capabilities = roz::kDeterministic,
          .create = roz::factory<GaussianBlur>()};
}
