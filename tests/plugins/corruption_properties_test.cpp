// Properties every ImageNet-C corruption has at every severity, on real images of 28, 32 and 224 px:
// the image changes, size and type stay, the same seed gives the same output whatever the thread
// count, and severity 5 degrades more than severity 1 (lower PSNR against the clean image).
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "roz/core/image_pipeline.hpp"
#include "roz/corruption.hpp"
#include "roz/datasets/image_file.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

const std::vector<std::string> kImageNetC = {
    "gaussian_noise", "shot_noise",  "impulse_noise",  "defocus_blur", "glass_blur",        "motion_blur", "zoom_blur",
    "snow",           "frost",       "fog",            "brightness",   "contrast",          "elastic_transform",
    "pixelate",       "jpeg_compression", "speckle_noise", "gaussian_blur", "spatter",      "saturate"};

struct SizedImages {
  std::string label;
  std::vector<cv::Mat> images;
};

// Three real images at each size: ImageNet photographs centre-cropped to 224, CIFAR-10 images at 32,
// the same CIFAR images shrunk to 28 (MNIST-sized).
const std::vector<SizedImages>& test_images() {
  static const std::vector<SizedImages> sets = [] {
    std::vector<std::filesystem::path> photos;
    for (const auto& entry : std::filesystem::directory_iterator(ROZ_TEST_PHOTO_DIR)) photos.push_back(entry.path());
    std::sort(photos.begin(), photos.end());
    SizedImages large{"224 px", {}}, cifar{"32 px", {}}, small{"28 px", {}};
    for (int i = 0; i < 3; ++i)
      large.images.push_back(core::resize_center_crop(datasets::decode_rgb(photos[static_cast<size_t>(i)]),
                                                      Preprocessing{.resolution = 224}));
    test::ImageBatch batch = test::load_cifar(1);
    for (int i : {0, 3, 8}) {
      cifar.images.push_back(batch.images[static_cast<size_t>(i)]);
      cv::Mat shrunk;
      cv::resize(batch.images[static_cast<size_t>(i)], shrunk, cv::Size(28, 28), 0, 0, cv::INTER_AREA);
      small.images.push_back(shrunk);
    }
    return std::vector<SizedImages>{large, cifar, small};
  }();
  return sets;
}

class EveryCorruption : public testing::TestWithParam<std::string> {
 protected:
  std::shared_ptr<Corruption> create(int severity) {
    return host_.create_corruption(parse_spec(GetParam() + ":severity=" + std::to_string(severity)));
  }
  core::PluginHost host_{test::builtin_registry(), 0, 1};
};

TEST_P(EveryCorruption, ChangesTheImageDeterministicallyAndSeverityFiveDegradesMore) {
  for (const SizedImages& set : test_images()) {
    std::array<double, 6> psnr{};
    for (int severity = 1; severity <= 5; ++severity) {
      std::shared_ptr<Corruption> corruption = create(severity);
      for (std::size_t i = 0; i < set.images.size(); ++i) {
        const cv::Mat& clean = set.images[i];
        const std::uint64_t seed = 100 + i;
        CorruptionOutput a = corruption->apply({clean, seed, 0, {}, "a"});
        CorruptionOutput b = corruption->apply({clean, seed, 0, {}, "a"});
        const std::string where = GetParam() + " severity " + std::to_string(severity) + " on " + set.label;
        ASSERT_FALSE(a.skipped) << where;
        ASSERT_EQ(a.image.size(), clean.size()) << where;
        ASSERT_EQ(a.image.type(), CV_8UC3) << where;
        EXPECT_EQ(cv::norm(a.image, b.image, cv::NORM_INF), 0.0) << where << ": not deterministic for a seed";
        EXPECT_GT(cv::norm(a.image, clean, cv::NORM_L1), 0.0) << where << ": image unchanged";
        psnr[static_cast<size_t>(severity)] += cv::PSNR(clean, a.image) / static_cast<double>(set.images.size());
      }
    }
    EXPECT_LT(psnr[5], psnr[1]) << GetParam() << " on " << set.label << ": PSNR " << psnr[1] << " dB at severity 1, "
                                << psnr[5] << " dB at severity 5";
  }
}

TEST_P(EveryCorruption, OutputDoesNotDependOnTheThreadCount) {
  std::shared_ptr<Corruption> corruption = create(3);
  std::vector<cv::Mat> images;
  for (const SizedImages& set : test_images()) images.insert(images.end(), set.images.begin(), set.images.end());
  auto run = [&](int threads) {
    std::vector<cv::Mat> out(images.size());
    core::parallel_for(images.size(), threads, [&](std::size_t i) {
      out[i] = corruption->apply({images[i], 7 + i, 0, {}, std::to_string(i)}).image;
    });
    return out;
  };
  const std::vector<cv::Mat> one = run(1), several = run(4);
  for (std::size_t i = 0; i < images.size(); ++i)
    EXPECT_EQ(cv::norm(one[i], several[i], cv::NORM_INF), 0.0) << GetParam() << ", image " << i;
}

INSTANTIATE_TEST_SUITE_P(ImageNetC, EveryCorruption, testing::ValuesIn(kImageNetC),
                         [](const testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace roz
