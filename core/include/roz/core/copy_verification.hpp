// The audit's second stage: is a pre-training image a copy of an evaluation image, judged on their
// pixels? The embedding stage finds look-alikes; this tells a copy (re-encoded, rescaled, cropped a
// little, rotated a few degrees, brightened, written on) from another photo of the same kind of object.
//
//   const double s = roz::core::copy_similarity(query_rgb, candidate_rgb);  // in [-1, 1]
//   bool copy = s >= decision.verification;                                // a calibrated threshold
//
// Pure function of its inputs; thread-safe.
#pragma once

#include <opencv2/core/mat.hpp>

namespace roz::core {

// Both images (CV_8UC3 RGB, any sizes) in grey at a common square side (the smaller short side,
// clamped to [16, 128]); the candidate aligned onto the query by an affine warp (OpenCV's ECC on
// both images blurred by side/32), kept only when it is one a copy edit makes (scales 0.8-1.25,
// rotation < 10 degrees, little shear; otherwise no warp); then the Pearson correlation of the two,
// blurred by side/32, over the pixels the warped candidate covers. docs/overlap.md gives the
// measurements that chose it over the thumbnail correlation, perceptual hashes and ORB matching.
double copy_similarity(const cv::Mat& query_rgb, const cv::Mat& candidate_rgb);

}  // namespace roz::core
