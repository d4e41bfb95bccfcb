// The ImageNet-C noise and contrast corruptions: the published constants show in the statistics of
// the output, severity 5 degrades more than severity 1, seeds decide the noise, small images use
// the CIFAR-10-C constants.
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "roz/support/corruptions/imagenet_c.hpp"  // the support library: the HSV conversions are tested directly
#include "roz/corruption.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

class ImageNetC : public testing::Test {
 protected:
  cv::Mat apply(const std::string& spec, const cv::Mat& image, std::uint64_t seed = 7) {
    return host_.create_corruption(parse_spec(spec))->apply({image, seed, 0, {}, "s"}).image;
  }
  // Statistics of (output - input) / 255 over all values.
  static cv::Scalar delta_stats(const cv::Mat& out, const cv::Mat& in, double& stddev) {
    cv::Mat a, b;
    out.convertTo(a, CV_64F, 1 / 255.0);
    in.convertTo(b, CV_64F, 1 / 255.0);
    cv::Mat d = a - b;
    d = d.reshape(1);
    cv::Scalar mean, sd;
    cv::meanStdDev(d, mean, sd);
    stddev = sd[0];
    return mean;
  }
  double mean_abs_error(const std::string& spec, const cv::Mat& image) {
    return cv::norm(apply(spec, image), image, cv::NORM_L1) / static_cast<double>(image.total() * 3);
  }
  core::PluginHost host_{test::builtin_registry(), 0, 1};
  cv::Mat gray_{224, 224, CV_8UC3, cv::Scalar(128, 128, 128)};
};

TEST_F(ImageNetC, GaussianNoiseHasThePublishedSigma) {
  double sd = 0;
  delta_stats(apply("gaussian_noise:severity=1", gray_), gray_, sd);
  EXPECT_NEAR(sd, 0.08, 0.004);  // ImageNet-C severity 1 (truncation to uint8 adds ~1/255 noise)
  delta_stats(apply("gaussian_noise:severity=3", gray_), gray_, sd);
  EXPECT_NEAR(sd, 0.18, 0.006);
  cv::Mat small(32, 32, CV_8UC3, cv::Scalar(128, 128, 128));
  delta_stats(apply("gaussian_noise:severity=1", small), small, sd);
  EXPECT_NEAR(sd, 0.04, 0.006);  // CIFAR-10-C severity 1 on a 32x32 image
  delta_stats(apply("gaussian_noise:severity=1,variant=imagenet", small), small, sd);
  EXPECT_NEAR(sd, 0.08, 0.01);
  delta_stats(apply("gaussian_noise:sigma=0.2", gray_), gray_, sd);
  EXPECT_NEAR(sd, 0.2, 0.008);
}

TEST_F(ImageNetC, ShotImpulseAndSpeckleNoiseFollowTheirConstants) {
  double sd = 0;
  // Poisson(x * rate) / rate: variance x / rate; at x = 0.502, severity 2 (rate 25): sd 0.142.
  cv::Scalar mean = delta_stats(apply("shot_noise:severity=2", gray_), gray_, sd);
  EXPECT_NEAR(sd, std::sqrt(128 / 255.0 / 25), 0.008);
  EXPECT_NEAR(mean[0], 0.0, 0.01);
  // Salt and pepper on a fraction `amount` of the values.
  cv::Mat impulse = apply("impulse_noise:severity=4", gray_);
  cv::Mat changed;
  cv::compare(impulse.reshape(1), gray_.reshape(1), changed, cv::CMP_NE);
  EXPECT_NEAR(cv::countNonZero(changed) / static_cast<double>(gray_.total() * 3), 0.17, 0.005);
  // x + x * N(0, sigma^2): sd = x * sigma.
  delta_stats(apply("speckle_noise:severity=2", gray_), gray_, sd);
  EXPECT_NEAR(sd, 128 / 255.0 * 0.2, 0.005);
}

TEST_F(ImageNetC, ContrastScalesAroundTheChannelMean) {
  cv::Mat image(2, 1, CV_8UC3);
  image.at<cv::Vec3b>(0, 0) = {0, 100, 200};
  image.at<cv::Vec3b>(1, 0) = {100, 100, 0};
  cv::Mat out = apply("contrast:factor=0.5", image);
  // channel 0: mean 50 -> 0 becomes 25, 100 becomes 75 (in [0,1] units, truncated to uint8)
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0)[0], 25);
  EXPECT_EQ(out.at<cv::Vec3b>(1, 0)[0], 75);
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0)[1], 100);
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0)[2], 150);
}

TEST_F(ImageNetC, SeverityFiveDegradesMoreThanOneOnRealImages) {
  test::ImageBatch batch = test::load_cifar(1);
  cv::Mat large;
  cv::resize(batch.images[3], large, cv::Size(224, 224), 0, 0, cv::INTER_CUBIC);
  for (const char* name :
       {"gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise", "contrast", "gaussian_blur", "pixelate",
        "defocus_blur"}) {
    for (const cv::Mat& image : {batch.images[3], large}) {
      std::vector<double> errors;
      for (int s = 1; s <= 5; ++s)
        errors.push_back(mean_abs_error(std::string(name) + ":severity=" + std::to_string(s), image));
      EXPECT_GT(errors[4], errors[0] * 1.5) << name << " at " << image.cols << " px";
      EXPECT_GT(errors[0], 0.0) << name;
    }
  }
}

TEST_F(ImageNetC, PixelateAveragesBlocks) {
  test::ImageBatch batch = test::load_cifar(1);
  cv::Mat large;
  cv::resize(batch.images[2], large, cv::Size(224, 224), 0, 0, cv::INTER_CUBIC);
  cv::Mat out = apply("pixelate:severity=5", large);  // scale 0.25: 4x4 blocks of 224 px
  for (int by : {0, 20, 55})
    for (int bx : {0, 31, 55}) {
      cv::Scalar block_mean = cv::mean(large(cv::Rect(4 * bx, 4 * by, 4, 4)));
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(out.at<cv::Vec3b>(4 * by, 4 * bx)[c], block_mean[c], 1.0);  // PIL rounds after each pass
        EXPECT_EQ(out.at<cv::Vec3b>(4 * by + 3, 4 * bx + 3)[c], out.at<cv::Vec3b>(4 * by, 4 * bx)[c]);
      }
    }
}

TEST_F(ImageNetC, GaussianBlurSpreadsAnEdgeBySigma) {
  // A vertical step from 0 to 255 blurred with sigma 4 (severity 4): 4 px past the edge the value is
  // Phi(1) = 84% of the step, 4 px before it Phi(-1) = 16%.
  cv::Mat step(64, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  step(cv::Rect(100, 0, 100, 64)).setTo(cv::Scalar(255, 255, 255));
  cv::Mat out = apply("gaussian_blur:severity=4,variant=imagenet", step);
  // The edge lies between pixels 99 and 100, so pixel 103.5 is 4 px past it: average 103 and 104.
  double after = (out.at<cv::Vec3b>(30, 103)[0] + out.at<cv::Vec3b>(30, 104)[0]) / 2.0;
  double before = (out.at<cv::Vec3b>(30, 95)[0] + out.at<cv::Vec3b>(30, 96)[0]) / 2.0;
  EXPECT_NEAR(after, 0.8413 * 255, 3);
  EXPECT_NEAR(before, 0.1587 * 255, 3);
}

TEST_F(ImageNetC, DefocusBlurSpreadsAPointIntoADisk) {
  // A bright point blurred with the radius-6 disk (severity 3): flat inside the disk, dark outside.
  cv::Mat point(61, 61, CV_8UC3, cv::Scalar(0, 0, 0));
  point.at<cv::Vec3b>(30, 30) = {255, 255, 255};
  cv::Mat out = apply("defocus_blur:severity=3,variant=imagenet", point);
  const int inside = out.at<cv::Vec3b>(30, 33)[0];
  EXPECT_GT(inside, 0);
  EXPECT_NEAR(out.at<cv::Vec3b>(33, 30)[0], inside, 1);  // symmetric
  EXPECT_NEAR(out.at<cv::Vec3b>(30, 30)[0], inside, 1);  // flat, not peaked like a Gaussian
  EXPECT_EQ(out.at<cv::Vec3b>(30, 38)[0], 0);             // beyond radius 6 (plus the soft edge)
  // 255 spread over the disk's ~113 pixels.
  EXPECT_NEAR(inside, 255.0 / 113, 1.0);
}

TEST_F(ImageNetC, TheSeedDecidesTheNoise) {
  test::ImageBatch batch = test::load_cifar(1);
  for (const char* spec : {"gaussian_noise:severity=3", "shot_noise:severity=3", "impulse_noise:severity=3",
                           "speckle_noise:severity=3"}) {
    cv::Mat a = apply(spec, batch.images[0], 1), b = apply(spec, batch.images[0], 1), c = apply(spec, batch.images[0], 2);
    EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0) << spec;
    EXPECT_GT(cv::norm(a, c, cv::NORM_L1), 0.0) << spec;
  }
  EXPECT_EQ(cv::norm(apply("contrast:severity=3", batch.images[0], 1), apply("contrast:severity=3", batch.images[0], 2),
                     cv::NORM_INF),
            0.0);
}

}  // namespace
}  // namespace roz

namespace roz {
namespace {

TEST(ImageNetCHsv, MatchesSkimageConventions) {
  using imagenet_c::hsv_to_rgb;
  using imagenet_c::rgb_to_hsv;
  EXPECT_EQ(rgb_to_hsv({1, 0, 0}), cv::Vec3d(0, 1, 1));
  EXPECT_NEAR(rgb_to_hsv({0, 1, 0})[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(rgb_to_hsv({0, 0, 1})[0], 2.0 / 3, 1e-12);
  EXPECT_NEAR(rgb_to_hsv({1, 0, 1})[0], 5.0 / 6, 1e-12);  // a tie with blue: skimage takes the blue branch
  EXPECT_EQ(rgb_to_hsv({0.5, 0.5, 0.5}), cv::Vec3d(0, 0, 0.5));
  EXPECT_EQ(rgb_to_hsv({0, 0, 0}), cv::Vec3d(0, 0, 0));
  cv::RNG rng(3);
  for (int i = 0; i < 1000; ++i) {
    cv::Vec3d rgb(rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0));
    cv::Vec3d back = hsv_to_rgb(rgb_to_hsv(rgb));
    EXPECT_LT(cv::norm(back - rgb), 1e-12) << rgb;
  }
}

TEST_F(ImageNetC, BrightnessAndSaturateUseThePublishedConstants) {
  // Value + 0.1 (ImageNet-C severity 1) on grey 128: (128/255 + 0.1) * 255 = 153.5, truncated.
  EXPECT_EQ(apply("brightness:severity=1", gray_).at<cv::Vec3b>(5, 5), cv::Vec3b(153, 153, 153));
  cv::Mat small(32, 32, CV_8UC3, cv::Scalar(128, 128, 128));
  EXPECT_EQ(apply("brightness:severity=1", small).at<cv::Vec3b>(5, 5), cv::Vec3b(140, 140, 140));  // CIFAR-10-C: +0.05
  cv::Vec3b scaled = apply("brightness:factor=1.5", gray_).at<cv::Vec3b>(0, 0);
  EXPECT_NEAR(scaled[0], 192, 1);

  // Saturation x 0.3 (severity 1) keeps the value 200 and shrinks the spread: min = 200 - 200 * 0.75 * 0.3.
  cv::Mat colour(1, 1, CV_8UC3, cv::Scalar(200, 100, 50));
  cv::Vec3b desaturated = apply("saturate:severity=1,variant=imagenet", colour).at<cv::Vec3b>(0, 0);
  EXPECT_EQ(desaturated[0], 200);
  EXPECT_NEAR(desaturated[2], 155, 1);
  EXPECT_EQ(apply("saturate:factor=0", colour).at<cv::Vec3b>(0, 0), cv::Vec3b(200, 200, 200));

  test::ImageBatch batch = test::load_cifar(1);
  for (const char* name : {"brightness", "saturate"}) {
    double e1 = mean_abs_error(std::string(name) + ":severity=1", batch.images[3]);
    double e5 = mean_abs_error(std::string(name) + ":severity=5", batch.images[3]);
    EXPECT_GT(e5, e1) << name;
    EXPECT_GT(e1, 0.0) << name;
  }
}

}  // namespace
}  // namespace roz
