// Image operations several ImageNet-C corruptions share, each matching the Python library call the
// reference makes (skimage.filters.gaussian, scipy.ndimage.zoom, imagecorruptions' motion blur).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace roz::imagenet_c {

// skimage.filters.gaussian: a separable Gaussian truncated at `truncate` standard deviations
// (radius int(truncate * sigma + 0.5)), per axis; sigma 0 leaves that axis alone, as scipy does.
// border: cv::BORDER_REPLICATE for skimage's default 'nearest', cv::BORDER_REFLECT for 'reflect'.
inline cv::Mat skimage_gaussian(const cv::Mat& src, double sigma_y, double sigma_x, double truncate = 4.0,
                                int border = cv::BORDER_REPLICATE) {
  if (sigma_y <= 0 && sigma_x <= 0) return src.clone();
  auto kernel = [&](double sigma) {
    if (sigma <= 0) return cv::Mat(1, 1, CV_64F, cv::Scalar(1.0));
    const int radius = static_cast<int>(truncate * sigma + 0.5);
    return cv::getGaussianKernel(2 * radius + 1, sigma, CV_64F);
  };
  cv::Mat out;
  cv::sepFilter2D(src, out, -1, kernel(sigma_x), kernel(sigma_y), cv::Point(-1, -1), 0, border);
  return out;
}

inline cv::Mat skimage_gaussian(const cv::Mat& src, double sigma) { return skimage_gaussian(src, sigma, sigma); }

// Motion blur along a line at `angle` degrees, imagecorruptions' reimplementation of ImageMagick's
// (Wand) MotionBlurImage: the sum of 2 * radius + 1 copies shifted by whole pixels along the line
// (edges repeated), weighted by a one-sided Gaussian of `sigma`; copies shifted beyond the image are
// left out (the weights are not renormalised, as in the reference). Works on CV_32F, any channels.
inline cv::Mat motion_blur(const cv::Mat& src, int radius, double sigma, double angle_degrees) {
  CV_Assert(src.depth() == CV_32F);
  const int width = 2 * radius + 1, rows = src.rows, cols = src.cols, ch = src.channels();
  std::vector<double> weights(static_cast<size_t>(width));
  double total = 0;
  for (int i = 0; i < width; ++i) total += weights[static_cast<size_t>(i)] = std::exp(-i * i / (2 * sigma * sigma));
  const double angle = angle_degrees * CV_PI / 180.0;
  cv::Mat out(src.size(), src.type(), cv::Scalar::all(0));
  for (int i = 0; i < width; ++i) {
    const int dy = -static_cast<int>(std::ceil(i * std::sin(angle) - 0.5));
    const int dx = -static_cast<int>(std::ceil(i * std::cos(angle) - 0.5));
    if (std::abs(dy) >= rows || std::abs(dx) >= cols) break;
    const auto w = static_cast<float>(weights[static_cast<size_t>(i)] / total);
    // out(r, c) += w * src(clamp(r - dy), clamp(c - dx))
    const int first = std::max(0, dx), last = std::min(cols, cols + dx);  // columns whose source is inside
    for (int r = 0; r < rows; ++r) {
      const float* s = src.ptr<float>(std::clamp(r - dy, 0, rows - 1));
      float* d = out.ptr<float>(r);
      for (int c = 0; c < first; ++c)
        for (int k = 0; k < ch; ++k) d[c * ch + k] += w * s[k];
      const float* shifted = s - dx * ch;
      for (int j = first * ch; j < last * ch; ++j) d[j] += w * shifted[j];
      for (int c = last; c < cols; ++c)
        for (int k = 0; k < ch; ++k) d[c * ch + k] += w * s[(cols - 1) * ch + k];
    }
  }
  return out;
}

// Linear interpolation positions of scipy.ndimage.zoom (order 1, grid_mode False) along one axis:
// output index o of n_out samples reads input coordinate o * (n_in - 1) / (n_out - 1).
struct LinearTaps {
  std::vector<int> lo;
  std::vector<float> frac;
};

inline LinearTaps zoom_taps(int n_in, int n_out, int count) {
  LinearTaps taps;
  const double scale = n_out > 1 ? static_cast<double>(n_in - 1) / (n_out - 1) : 0.0;
  for (int o = 0; o < count; ++o) {
    const double x = o * scale;
    const int lo = std::min(static_cast<int>(std::floor(x)), std::max(n_in - 2, 0));
    taps.lo.push_back(lo);
    taps.frac.push_back(n_in > 1 ? static_cast<float>(x - lo) : 0.0f);
  }
  return taps;
}

// imagecorruptions' clipped_zoom: the central 1/zoom of the image scaled up by `zoom` (bilinear,
// scipy's output size round(n * zoom)), keeping the first rows x cols of the result (top-left trim).
// CV_32F, any channels.
inline cv::Mat clipped_zoom(const cv::Mat& src, double zoom) {
  CV_Assert(src.depth() == CV_32F);
  const int rows = src.rows, cols = src.cols, ch = src.channels();
  const int crop_rows = static_cast<int>(std::ceil(rows / zoom)), crop_cols = static_cast<int>(std::ceil(cols / zoom));
  const int top = (rows - crop_rows) / 2, left = (cols - crop_cols) / 2;
  const cv::Mat crop = src(cv::Rect(left, top, crop_cols, crop_rows));
  const LinearTaps ys = zoom_taps(crop_rows, static_cast<int>(std::nearbyint(crop_rows * zoom)), rows);
  const LinearTaps xs = zoom_taps(crop_cols, static_cast<int>(std::nearbyint(crop_cols * zoom)), cols);
  cv::Mat out(src.size(), src.type());
  std::vector<float> row(static_cast<size_t>(crop_cols * ch));
  for (int r = 0; r < rows; ++r) {
    const int y0 = ys.lo[static_cast<size_t>(r)], y1 = std::min(y0 + 1, crop_rows - 1);
    const float fy = ys.frac[static_cast<size_t>(r)];
    const float* a = crop.ptr<float>(y0);
    const float* b = crop.ptr<float>(y1);
    for (size_t j = 0; j < row.size(); ++j) row[j] = a[j] + fy * (b[j] - a[j]);
    float* d = out.ptr<float>(r);
    for (int c = 0; c < cols; ++c) {
      const int x0 = xs.lo[static_cast<size_t>(c)], x1 = std::min(x0 + 1, crop_cols - 1);
      const float fx = xs.frac[static_cast<size_t>(c)];
      for (int k = 0; k < ch; ++k) {
        const float l = row[static_cast<size_t>(x0 * ch + k)], h = row[static_cast<size_t>(x1 * ch + k)];
        d[c * ch + k] = l + fx * (h - l);
      }
    }
  }
  return out;
}

// Single-channel fields of independent draws from the sample's generator (OpenCV's, vectorised).
inline cv::Mat normal_field(int rows, int cols, double mean, double stddev, cv::RNG& rng, int type = CV_64F) {
  cv::Mat field(rows, cols, type);
  rng.fill(field, cv::RNG::NORMAL, mean, stddev);
  return field;
}

inline cv::Mat uniform_field(int rows, int cols, double lo, double hi, cv::RNG& rng, int type = CV_64F) {
  cv::Mat field(rows, cols, type);
  rng.fill(field, cv::RNG::UNIFORM, lo, hi);
  return field;
}

}  // namespace roz::imagenet_c
