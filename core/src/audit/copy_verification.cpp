#include "roz/core/copy_verification.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "roz/error.hpp"

namespace roz::core {

namespace {

cv::Mat grey_square(const cv::Mat& rgb, int side) {
  cv::Mat grey, out;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  cv::resize(grey, grey, {side, side}, 0, 0, cv::INTER_AREA);
  grey.convertTo(out, CV_32F);
  return out;
}

cv::Mat blurred(const cv::Mat& image, double sigma) {
  cv::Mat out;
  cv::GaussianBlur(image, out, {0, 0}, sigma);
  return out;
}

// Pearson correlation over the mask's pixels (0 when either side is flat).
double correlation(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
  cv::Scalar mean_a, sd_a, mean_b, sd_b;
  cv::meanStdDev(a, mean_a, sd_a, mask);
  cv::meanStdDev(b, mean_b, sd_b, mask);
  if (sd_a[0] < 1e-6 || sd_b[0] < 1e-6) return 0;
  cv::Mat weight;
  mask.convertTo(weight, CV_32F, 1.0 / 255);
  const cv::Mat products = (a - mean_a[0]).mul(b - mean_b[0]).mul(weight);
  return cv::sum(products)[0] / cv::countNonZero(mask) / (sd_a[0] * sd_b[0]);
}

// A warp the copy edits can make: near-uniform scale 0.8-1.25, rotation under 10 degrees, little
// shear. ECC's six affine degrees of freedom would otherwise bend one look-alike onto another.
bool copy_warp(const cv::Mat& warp) {
  const double a = warp.at<float>(0, 0), b = warp.at<float>(0, 1), c = warp.at<float>(1, 0), d = warp.at<float>(1, 1);
  const double sx = std::hypot(a, c), sy = std::hypot(b, d);
  if (!(sx > 0.8 && sx < 1.25 && sy > 0.8 && sy < 1.25)) return false;
  const double degrees = std::atan2(c, a) * 180 / CV_PI, shear = (a * b + c * d) / (sx * sy);
  return std::abs(degrees) < 10 && std::abs(shear) < 0.1 && std::abs(sx / sy - 1) < 0.1;
}

}  // namespace

double copy_similarity(const cv::Mat& query_rgb, const cv::Mat& candidate_rgb) {
  if (query_rgb.empty() || query_rgb.type() != CV_8UC3 || candidate_rgb.empty() || candidate_rgb.type() != CV_8UC3)
    throw Error("copy_similarity: expected two non-empty CV_8UC3 images");
  const int side =
      std::clamp(std::min({query_rgb.rows, query_rgb.cols, candidate_rgb.rows, candidate_rgb.cols}), 16, 128);
  const double sigma = side / 32.0;
  const cv::Mat query = grey_square(query_rgb, side), candidate = grey_square(candidate_rgb, side);
  const cv::Mat query_blurred = blurred(query, sigma), candidate_blurred = blurred(candidate, sigma);

  cv::Mat warp = cv::Mat::eye(2, 3, CV_32F);
  try {
    cv::findTransformECC(query_blurred, candidate_blurred, warp, cv::MOTION_AFFINE,
                         cv::TermCriteria(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, 100, 1e-5), cv::noArray(),
                         1);
    if (!copy_warp(warp)) warp = cv::Mat::eye(2, 3, CV_32F);
  } catch (const cv::Exception&) {  // no convergence (e.g. a flat image): compare unaligned
    warp = cv::Mat::eye(2, 3, CV_32F);
  }
  cv::Mat aligned, covered;
  cv::warpAffine(candidate_blurred, aligned, warp, query.size(), cv::INTER_LINEAR + cv::WARP_INVERSE_MAP);
  cv::warpAffine(cv::Mat(candidate.size(), CV_8U, cv::Scalar(255)), covered, warp, query.size(),
                 cv::INTER_NEAREST + cv::WARP_INVERSE_MAP);
  cv::erode(covered, covered, cv::Mat());           // the interpolated rim
  if (cv::countNonZero(covered) < side * side / 2)  // too little overlap to judge: unaligned, every pixel
    return correlation(query_blurred, candidate_blurred, cv::Mat(query.size(), CV_8U, cv::Scalar(255)));
  return correlation(query_blurred, aligned, covered);
}

}  // namespace roz::core
