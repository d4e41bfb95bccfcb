// JPEG compression, the ImageNet-C corruption (Hendrycks & Dietterich 2019) and the editing
// perturbation: an encode/decode round trip at a given quality.
#include <array>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "roz/corruption.hpp"
#include "roz/plugin.hpp"

namespace {

// The ImageNet-C qualities for severities 1..5 (hendrycks/robustness, make_imagenet_c.py).
constexpr std::array<int, 5> kImageNetCQuality = {25, 18, 15, 10, 7};

class JpegCompression final : public roz::Corruption {
 public:
  explicit JpegCompression(const roz::Params& params)
      : quality_(params.has("quality") ? static_cast<int>(params.get_int("quality"))
                                       : kImageNetCQuality[static_cast<size_t>(params.get_int("severity") - 1)]) {}

  roz::CorruptionOutput apply(const roz::CorruptionInput& input) const override {
    // OpenCV's encoder expects BGR; converting keeps the YCbCr transform (and chroma subsampling)
    // the same as PIL's, which the reference uses.
    cv::Mat bgr;
    cv::cvtColor(input.image, bgr, cv::COLOR_RGB2BGR);
    std::vector<unsigned char> encoded;
    if (!cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, quality_}))
      throw roz::Error("JPEG encoding failed for sample '" + input.sample_id + "'");
    cv::Mat decoded = cv::imdecode(encoded, cv::IMREAD_COLOR);
    roz::CorruptionOutput out;
    cv::cvtColor(decoded, out.image, cv::COLOR_BGR2RGB);
    out.metadata["jpeg_bytes"] = std::to_string(encoded.size());
    return out;
  }

 private:
  int quality_;
};

roz::PluginDescriptor describe() {
  return {
      .name = "jpeg_compression",
      .kind = roz::PluginKind::corruption,
      .version = "1.0.0",
      .license = "Apache-2.0",
      .description = "JPEG encode/decode round trip; ImageNet-C severities 1-5 or an explicit quality",
      .params = {roz::param::integer("severity", 1, 1, 5, "ImageNet-C severity (qualities 25,18,15,10,7)"),
                 roz::param::optional(roz::param::integer("quality", 0, 1, 100,
                                                          "JPEG quality; overrides severity when given"))},
      .capabilities = roz::kDeterministic,
      .create = roz::factory<JpegCompression>(),
  };
}

}  // namespace

ROZ_PLUGIN(describe)
