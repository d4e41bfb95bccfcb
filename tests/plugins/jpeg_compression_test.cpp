#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "roz/corruption.hpp"
#include "roz/error.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

class JpegCompression : public testing::Test {
 protected:
  JpegCompression() : host_(test::builtin_registry(), 0, 1), batch_(test::load_cifar(3)) {}

  // Mean absolute pixel error over the batch, in [0,255] units.
  double mean_error(const std::string& spec) {
    auto corruption = host_.create_corruption(parse_spec(spec));
    double total = 0;
    for (size_t i = 0; i < batch_.images.size(); ++i) {
      CorruptionOutput out = corruption->apply({batch_.images[i], 1234, 0, {}, "img" + std::to_string(i)});
      EXPECT_EQ(out.image.size(), batch_.images[i].size());
      EXPECT_EQ(out.image.type(), CV_8UC3);
      total += cv::norm(out.image, batch_.images[i], cv::NORM_L1) / static_cast<double>(out.image.total() * 3);
    }
    return total / static_cast<double>(batch_.images.size());
  }

  core::PluginHost host_;
  test::ImageBatch batch_;
};

TEST_F(JpegCompression, HigherSeverityDegradesMore) {
  std::vector<double> errors;
  for (int s = 1; s <= 5; ++s)
    errors.push_back(mean_error("jpeg_compression:variant=imagenet,severity=" + std::to_string(s)));
  for (size_t i = 1; i < errors.size(); ++i) EXPECT_GT(errors[i], errors[i - 1]) << "severity " << i + 1;
  EXPECT_GT(errors[4], 1.5 * errors[0]);
}

TEST_F(JpegCompression, QualityOverridesSeverity) {
  double q95 = mean_error("jpeg_compression:quality=95");
  double q25 = mean_error("jpeg_compression:quality=25");
  EXPECT_LT(q95, q25);
  EXPECT_DOUBLE_EQ(q25, mean_error("jpeg_compression:severity=1,variant=imagenet"));  // ImageNet-C: quality 25
  EXPECT_DOUBLE_EQ(mean_error("jpeg_compression:severity=5,variant=imagenet"), mean_error("jpeg_compression:quality=7"));
  // 32x32 images take the CIFAR-10-C qualities (80 ... 40) unless told otherwise.
  EXPECT_DOUBLE_EQ(mean_error("jpeg_compression:severity=1"), mean_error("jpeg_compression:quality=80"));
  EXPECT_DOUBLE_EQ(mean_error("jpeg_compression:severity=5"), mean_error("jpeg_compression:quality=40"));
}

TEST_F(JpegCompression, DeterministicAndWorksAtAnySize) {
  auto corruption = host_.create_corruption(parse_spec("jpeg_compression:severity=3"));
  for (int side : {28, 32, 224, 301}) {
    cv::Mat image;
    cv::resize(batch_.images[0], image, cv::Size(side, side + 7));
    CorruptionOutput a = corruption->apply({image, 1, 0, {}, "a"});
    CorruptionOutput b = corruption->apply({image, 2, 0, {}, "a"});
    EXPECT_EQ(a.image.size(), image.size());
    EXPECT_EQ(cv::norm(a.image, b.image, cv::NORM_INF), 0.0) << side;
    EXPECT_GT(cv::norm(a.image, image, cv::NORM_L1), 0.0) << side;
  }
}

}  // namespace
}  // namespace roz
