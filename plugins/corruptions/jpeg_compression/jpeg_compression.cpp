// JPEG compression, the ImageNet-C corruption (Hendrycks & Dietterich 2019) and the editing
// perturbation: an encode/decode round trip at a given quality.
#include <array>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "imagenet_c.hpp"
#include "roz/corruption.hpp"
#include "roz/plugin.hpp"

namespace {

// Qualities for severities 1..5: ImageNet-C (make_imagenet_c.py) and CIFAR-10-C (make_cifar_c.py).
constexpr std::array<int, 5> kImageNetCQuality = {25, 18, 15, 10, 7};
constexpr std::array<int, 5> kCifarCQuality = {80, 65, 58, 50, 40};

class JpegCompression final : public roz::Corruption {
 public:
  explicit JpegCompression(const roz::Params& params) : params_(params) {}

  roz::CorruptionOutput apply(const roz::CorruptionInput& input) const override {
    const auto severity = static_cast<size_t>(params_.get_int("severity") - 1);
    const int quality = params_.has("quality") ? static_cast<int>(params_.get_int("quality"))
                        : roz::imagenet_c::use_cifar_constants(params_.get_string("variant"), input.image)
                            ? kCifarCQuality[severity]
                            : kImageNetCQuality[severity];
    // OpenCV's encoder expects BGR; converting keeps the YCbCr transform (and chroma subsampling)
    // the same as PIL's, which the reference uses.
    cv::Mat bgr;
    cv::cvtColor(input.image, bgr, cv::COLOR_RGB2BGR);
    std::vector<unsigned char> encoded;
    if (!cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, quality}))
      throw roz::Error("JPEG encoding failed for sample '" + input.sample_id + "'");
    cv::Mat decoded = cv::imdecode(encoded, cv::IMREAD_COLOR);
    roz::CorruptionOutput out;
    cv::cvtColor(decoded, out.image, cv::COLOR_BGR2RGB);
    out.metadata["jpeg_bytes"] = std::to_string(encoded.size());
    return out;
  }

 private:
  roz::Params params_;
};

roz::PluginDescriptor describe() {
  return {
      .name = "jpeg_compression",
      .kind = roz::PluginKind::corruption,
      .version = "1.0.0",
      .license = "Apache-2.0",
      .description = "JPEG encode/decode round trip: ImageNet-C qualities 25-7 (CIFAR-10-C 80-40), or any quality",
      .params = {roz::param::integer("severity", 1, 1, 5, "ImageNet-C severity"),
                 roz::param::choice("variant", "auto", {"auto", "imagenet", "cifar"},
                                    "severity constants: ImageNet-C, CIFAR-10-C, or auto (CIFAR-10-C up to 64 px)"),
                 roz::param::optional(roz::param::integer("quality", 0, 1, 100,
                                                          "JPEG quality; overrides severity when given"))},
      .capabilities = roz::kDeterministic,
      .create = roz::factory<JpegCompression>(),
  };
}

}  // namespace

ROZ_PLUGIN(describe)
