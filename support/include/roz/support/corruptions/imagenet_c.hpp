// Helpers shared by the ImageNet-C corruption plugins (header-only, built into each plugin).
// Severity constants come in two published variants: ImageNet-C (hendrycks/robustness,
// make_imagenet_c.py) for full-size images and CIFAR-10-C (make_cifar_c.py) for small ones.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "roz/support/descriptor.hpp"
#include "roz/corruption.hpp"
#include "roz/error.hpp"
#include "roz/params.hpp"

namespace roz::imagenet_c {

// variant=auto picks the CIFAR-10-C constants for images up to 64 pixels on their longer side
// (CIFAR, MNIST-sized, Tiny-ImageNet scale) and the ImageNet-C ones above.
inline bool use_cifar_constants(const std::string& variant, const cv::Mat& image) {
  if (variant == "cifar") return true;
  if (variant == "imagenet") return false;
  return std::max(image.rows, image.cols) <= 64;
}

inline std::vector<ParamSpec> severity_params(const std::string& continuous, double min, double max,
                                              const std::string& continuous_help) {
  return {param::integer("severity", 1, 1, 5, "ImageNet-C severity"),
          param::choice("variant", "auto", {"auto", "imagenet", "cifar"},
                        "severity constants: ImageNet-C, CIFAR-10-C, or auto (CIFAR-10-C up to 64 px)"),
          param::optional(param::real(continuous, 0, min, max, continuous_help + "; overrides severity"))};
}

// Severity and variant only, for corruptions with several constants per severity and no single
// continuous counterpart.
inline std::vector<ParamSpec> severity_only_params() {
  std::vector<ParamSpec> params = severity_params("unused", 0, 1, "");
  params.pop_back();
  return params;
}

// This image's constants for the chosen severity: the CIFAR-10-C set or the ImageNet-C one.
template <class T>
const T& by_severity(const Params& p, const cv::Mat& image, const std::array<T, 5>& imagenet,
                     const std::array<T, 5>& cifar) {
  const auto s = static_cast<size_t>(p.get_int("severity") - 1);
  return use_cifar_constants(p.get_string("variant"), image) ? cifar[s] : imagenet[s];
}

// The descriptor every built-in corruption shares, around its own class T(const Params&).
template <class T>
PluginDescriptor corruption_descriptor(std::string name, std::string description, std::vector<ParamSpec> params,
                                       std::uint32_t capabilities = 0) {
  return support::descriptor(std::move(name), PluginKind::corruption, std::move(description), std::move(params),
                             capabilities, factory<T>());
}

// The constant for this image: the continuous parameter when given, else the severity's.
inline double level(const Params& p, const std::string& continuous, const std::array<double, 5>& imagenet,
                    const std::array<double, 5>& cifar, const cv::Mat& image) {
  if (p.has(continuous)) return p.get_real(continuous);
  const auto s = static_cast<size_t>(p.get_int("severity") - 1);
  return use_cifar_constants(p.get_string("variant"), image) ? cifar[s] : imagenet[s];
}

// uint8 RGB -> float64 in [0,1], as the reference's np.array(x) / 255.
inline cv::Mat to_unit(const cv::Mat& rgb) {
  cv::Mat out;
  rgb.convertTo(out, CV_64FC3, 1.0 / 255.0);
  return out;
}

// uint8 RGB -> CV_32FC3 in [0,1]: the reference's np.array(x, dtype=np.float32) / 255, and the
// faster choice wherever float precision is far below the 1/255 output step.
inline cv::Mat to_unit_float(const cv::Mat& rgb) {
  cv::Mat out;
  rgb.convertTo(out, CV_32FC3, 1.0 / 255.0);
  return out;
}

// values * scale (CV_32F or CV_64F, any channels) clamped to [0, 255] and truncated, as numpy's
// astype(np.uint8) of clipped values (OpenCV's convertTo would round).
inline cv::Mat truncate_to_uint8(const cv::Mat& values, double scale = 1.0) {
  cv::Mat src = values.isContinuous() ? values : values.clone();
  if (src.depth() != CV_32F && src.depth() != CV_64F) src.convertTo(src, CV_64F);
  cv::Mat out(values.size(), CV_8UC(values.channels()));
  auto* d = out.ptr<unsigned char>();
  const size_t n = values.total() * static_cast<size_t>(values.channels());
  auto convert = [&](const auto* s) {
    for (size_t i = 0; i < n; ++i)
      d[i] = static_cast<unsigned char>(std::clamp(static_cast<double>(s[i]) * scale, 0.0, 255.0));
  };
  if (src.depth() == CV_32F)
    convert(src.ptr<float>());
  else
    convert(src.ptr<double>());
  return out;
}

// clip(x, 0, 1) * 255 then np.uint8's truncation, as the reference saves its images.
inline cv::Mat to_uint8(const cv::Mat& unit) {
  return truncate_to_uint8(unit, 255.0);
}

// skimage.color.rgb2hsv / hsv2rgb for one pixel (values in [0,1]), the conversions ImageNet-C's
// brightness and saturate go through; ties pick the last maximal channel, as skimage does.
inline cv::Vec3d rgb_to_hsv(const cv::Vec3d& rgb) {
  const double v = std::max({rgb[0], rgb[1], rgb[2]});
  const double delta = v - std::min({rgb[0], rgb[1], rgb[2]});
  if (delta == 0.0) return {0.0, 0.0, v};
  double h = 0;
  if (rgb[0] == v) h = (rgb[1] - rgb[2]) / delta;
  if (rgb[1] == v) h = 2.0 + (rgb[2] - rgb[0]) / delta;
  if (rgb[2] == v) h = 4.0 + (rgb[0] - rgb[1]) / delta;
  h = std::fmod(h / 6.0, 1.0);
  if (h < 0) h += 1.0;
  return {h, delta / v, v};
}

inline cv::Vec3d hsv_to_rgb(const cv::Vec3d& hsv) {
  const double h = hsv[0], s = hsv[1], v = hsv[2];
  const double hi = std::floor(h * 6), f = h * 6 - hi;
  const double p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  switch (static_cast<int>(hi) % 6) {
    case 0:
      return {v, t, p};
    case 1:
      return {q, v, p};
    case 2:
      return {p, v, t};
    case 3:
      return {p, q, v};
    case 4:
      return {t, p, v};
    default:
      return {v, p, q};
  }
}

// Applies op to every pixel (an RGB cv::Vec3d in [0,1]).
template <class Op>
cv::Mat map_pixels(const cv::Mat& rgb, Op op) {
  cv::Mat x = to_unit(rgb);
  for (int r = 0; r < x.rows; ++r) {
    auto* row = x.ptr<cv::Vec3d>(r);
    for (int c = 0; c < x.cols; ++c) row[c] = op(row[c]);
  }
  return to_uint8(x);
}

// The constants of a corruption: its continuous parameter and its values at severities 1-5.
struct Levels {
  std::string continuous;
  std::array<double, 5> imagenet;
  std::array<double, 5> cifar;
};

// A corruption that changes every channel value independently: op(values, level, rng) on all the
// image's channel values (one CV_64F row-major matrix, [0,1] units), with the sample's own generator.
template <class Op>
class PerValueCorruption final : public Corruption {
 public:
  PerValueCorruption(const Params& params, Levels levels, Op op)
      : params_(params), levels_(std::move(levels)), op_(op) {}

 private:
  CorruptionOutput apply_(const CorruptionInput& input) const override {
    const double lvl = level(params_, levels_.continuous, levels_.imagenet, levels_.cifar, input.image);
    cv::Mat x = to_unit(input.image);
    cv::Mat values = x.reshape(1);  // every channel value, not just the first of each pixel
    cv::RNG rng(input.seed);
    op_(values, lvl, rng);
    return {to_uint8(x), {}, false};
  }

  Params params_;
  Levels levels_;
  Op op_;
};

template <class Op>
PluginDescriptor per_value_corruption(std::string name, std::string description, Levels levels, double min, double max,
                                      std::string help, Op op) {
  std::vector<ParamSpec> params = severity_params(levels.continuous, min, max, help);
  return support::descriptor(std::move(name), PluginKind::corruption, std::move(description), std::move(params), 0,
                             [levels, op](const Params& p, const PluginContext&) -> std::unique_ptr<Plugin> {
                               return std::make_unique<PerValueCorruption<Op>>(p, levels, op);
                             });
}

}  // namespace roz::imagenet_c
