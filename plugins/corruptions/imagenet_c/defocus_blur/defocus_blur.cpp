// defocus_blur (ImageNet-C): convolution with a disk of the given radius whose edge is softened by a
// small Gaussian (the reference's `disk` helper), on [0,1] values, borders reflected (cv2.filter2D).
#include <opencv2/imgproc.hpp>

#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

// The reference's disk(radius, alias_blur): an aliased disk on a grid of at least 17 x 17,
// normalised, then blurred by a 3x3 (5x5 beyond radius 8) Gaussian of sigma alias_blur.
cv::Mat disk(double radius, double alias_blur) {
  const int half = radius <= 8 ? 8 : static_cast<int>(radius);
  cv::Mat kernel(2 * half + 1, 2 * half + 1, CV_32F);
  for (int y = -half; y <= half; ++y)
    for (int x = -half; x <= half; ++x)
      kernel.at<float>(y + half, x + half) = x * x + y * y <= radius * radius ? 1.0f : 0.0f;
  kernel /= cv::sum(kernel)[0];
  const int ksize = radius <= 8 ? 3 : 5;
  cv::Mat soft;
  cv::GaussianBlur(kernel, soft, cv::Size(ksize, ksize), alias_blur);
  return soft;
}

// out += sum of w[t] * in[t][i] over four taps t, for n floats: the inner loop of the convolution,
// four taps per pass so the output row is loaded and stored a quarter as often. Compiled for AVX2/FMA
// too and picked at load time, since the default build targets baseline x86-64.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void accumulate4(float* __restrict out,
                                                                             const float* const* in, const float* w,
                                                                             int n) {
  const float *a = in[0], *b = in[1], *c = in[2], *d = in[3];
  for (int i = 0; i < n; ++i) out[i] += w[0] * a[i] + w[1] * b[i] + w[2] * c[i] + w[3] * d[i];
}

// acc += hi - lo over n floats: one interior run's sum from two prefix-sum rows.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void add_difference(float* __restrict acc, const float* hi,
                                                                                const float* lo, int n) {
  for (int i = 0; i < n; ++i) acc[i] += hi[i] - lo[i];
}

// cv2.filter2D's correlation with borders reflected (BORDER_REFLECT_101), computed directly. The
// disk's flat interior (every entry equal to the centre's) is a run per kernel row, summed from
// per-row prefix sums; the soft rim's entries are taps, four per pass. Zero corners cost nothing.
// (OpenCV would switch to a DFT for kernels this large, slower at these image sizes.)
cv::Mat correlate(const cv::Mat& x, const cv::Mat& kernel) {
  const int kh = kernel.rows / 2, kw = kernel.cols / 2, ch = x.channels(), n = x.cols * ch;
  struct Tap {
    int dy, offset;
    float weight;
  };
  struct Run {
    int dy, begin, end;  // value offsets [begin, end) within the padded row
  };
  const float flat = kernel.at<float>(kh, kw);
  std::vector<Tap> taps;
  std::vector<Run> runs;
  for (int ky = 0; ky < kernel.rows; ++ky)
    for (int kx = 0; kx < kernel.cols; ++kx) {
      const float w = kernel.at<float>(ky, kx);
      if (w == flat && !runs.empty() && runs.back().dy == ky && runs.back().end == kx * ch) {
        runs.back().end += ch;
      } else if (w == flat) {
        runs.push_back({ky, kx * ch, kx * ch + ch});
      } else if (w != 0.0f) {
        taps.push_back({ky, kx * ch, w});
      }
    }
  while (taps.size() % 4 != 0) taps.push_back({0, 0, 0.0f});  // padding taps add nothing
  cv::Mat padded;
  cv::copyMakeBorder(x, padded, kh, kh, kw, kw, cv::BORDER_REFLECT_101);
  // prefix(r, i) = sum of padded row r's values before i, per channel (stride ch); summed in double,
  // stored in float (rows sum to at most a few hundred: errors far below the 1/255 output step).
  const int m = padded.cols * ch;
  cv::Mat prefix(padded.rows, m + ch, CV_32F);
  for (int r = 0; r < padded.rows; ++r) {
    const float* in = padded.ptr<float>(r);
    auto* p = prefix.ptr<float>(r);
    double sum[4] = {0, 0, 0, 0};
    for (int i = 0; i < ch; ++i) p[i] = 0;
    for (int i = 0; i < m; ++i) p[i + ch] = static_cast<float>(sum[i % ch] += in[i]);
  }
  cv::Mat out(x.size(), x.type(), cv::Scalar::all(0));
  std::vector<float> interior(static_cast<size_t>(n));
  for (int r = 0; r < x.rows; ++r) {
    auto* o = out.ptr<float>(r);
    std::fill(interior.begin(), interior.end(), 0.0f);
    for (const Run& run : runs) {
      const float* p = prefix.ptr<float>(r + run.dy);
      add_difference(interior.data(), p + run.end, p + run.begin, n);
    }
    for (int i = 0; i < n; ++i) o[i] = flat * interior[static_cast<size_t>(i)];
    for (size_t t = 0; t < taps.size(); t += 4) {
      const float* in[4];
      float w[4];
      for (size_t j = 0; j < 4; ++j) {
        in[j] = padded.ptr<float>(r + taps[t + j].dy) + taps[t + j].offset;
        w[j] = taps[t + j].weight;
      }
      accumulate4(o, in, w, n);
    }
  }
  return out;
}

class DefocusBlur final : public roz::Corruption {
 public:
  explicit DefocusBlur(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    static constexpr std::array<std::array<double, 2>, 5> kImageNet = {
        {{3, 0.1}, {4, 0.5}, {6, 0.5}, {8, 0.5}, {10, 0.5}}};
    static constexpr std::array<std::array<double, 2>, 5> kCifar = {
        {{0.3, 0.4}, {0.4, 0.5}, {0.5, 0.6}, {1, 0.2}, {1.5, 0.1}}};
    const auto s = static_cast<size_t>(params_.get_int("severity") - 1);
    std::array<double, 2> c =
        roz::imagenet_c::use_cifar_constants(params_.get_string("variant"), in.image) ? kCifar[s] : kImageNet[s];
    if (params_.has("radius")) c = {params_.get_real("radius"), 0.5};
    return {
        roz::imagenet_c::to_uint8(correlate(roz::imagenet_c::to_unit_float(in.image), disk(c[0], c[1]))), {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_defocus_blur() {
  return {.name = "defocus_blur",
          .kind = roz::PluginKind::corruption,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "ImageNet-C defocus blur (disk radius 3-10 px; CIFAR-10-C 0.3-1.5), or any radius",
          .params = roz::imagenet_c::severity_params("radius", 0, 64, "disk radius in pixels (edge softening 0.5)"),
          .capabilities = roz::kDeterministic,
          .create = roz::factory<DefocusBlur>()};
}
