// The editing perturbations (resize, rotation, crop, compose) and the typographic attack.
#include <gtest/gtest.h>

#include <set>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "roz/corruption.hpp"
#include "roz/error.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

class EditingPerturbations : public testing::Test {
 protected:
  CorruptionOutput apply(const std::string& spec, const cv::Mat& image, std::uint64_t seed = 5, std::int64_t label = 0) {
    return host_.create_corruption(parse_spec(spec))->apply({image, seed, label, classes_, "s"});
  }
  cv::Mat photo() {
    cv::Mat large;
    cv::resize(batch_.images[3], large, cv::Size(224, 224), 0, 0, cv::INTER_CUBIC);
    return large;
  }
  core::PluginHost host_{test::builtin_registry(), 0, 1};
  test::ImageBatch batch_ = test::load_cifar(1);
  std::vector<std::string> classes_{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
};

TEST_F(EditingPerturbations, ResizeLosesMoreDetailAtSmallerScales) {
  const cv::Mat image = photo();
  EXPECT_EQ(cv::norm(apply("resize:scale=1", image).image, image, cv::NORM_INF), 0.0);
  const double mild = cv::PSNR(image, apply("resize:scale=0.75", image).image);
  const double strong = cv::PSNR(image, apply("resize:scale=0.25", image).image);
  EXPECT_LT(strong, mild - 3.0);
  EXPECT_EQ(apply("resize:scale=0.25", image).image.size(), image.size());
}

TEST_F(EditingPerturbations, RotationTurnsAboutTheCentre) {
  const cv::Mat image = batch_.images[0];
  EXPECT_EQ(cv::norm(apply("rotation:degrees=0", image).image, image, cv::NORM_INF), 0.0);
  cv::Mat turned;
  cv::rotate(image, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
  EXPECT_LE(cv::norm(apply("rotation:degrees=90", image).image, turned, cv::NORM_INF), 1.0);
  // A random angle lies within the bound, and the seed decides it.
  const double a = std::stod(apply("rotation:degrees=20,random=true", image, 1).metadata.at("degrees"));
  const double b = std::stod(apply("rotation:degrees=20,random=true", image, 2).metadata.at("degrees"));
  EXPECT_LE(std::abs(a), 20.0);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, std::stod(apply("rotation:degrees=20,random=true", image, 1).metadata.at("degrees")));
}

TEST_F(EditingPerturbations, CropZoomsIntoTheCentre) {
  const cv::Mat image = photo();
  EXPECT_EQ(cv::norm(apply("crop:fraction=1", image).image, image, cv::NORM_INF), 0.0);
  CorruptionOutput out = apply("crop:fraction=0.5", image);
  EXPECT_EQ(out.metadata.at("box"), "56,56,112,112");
  cv::Mat expected;
  cv::resize(image(cv::Rect(56, 56, 112, 112)), expected, image.size(), 0, 0, cv::INTER_LINEAR);
  EXPECT_EQ(cv::norm(out.image, expected, cv::NORM_INF), 0.0);
  EXPECT_NE(apply("crop:fraction=0.5,position=random", image, 1).metadata.at("box"),
            apply("crop:fraction=0.5,position=random", image, 2).metadata.at("box"));
}

TEST_F(EditingPerturbations, ComposeAppliesItsStepsInOrder) {
  const cv::Mat image = batch_.images[1];
  const cv::Mat brighter = apply("brightness:factor=1.3", image).image;
  const cv::Mat expected = apply("contrast:factor=0.5", brighter).image;
  CorruptionOutput out = apply("compose:steps=(brightness:factor=1.3;contrast:factor=0.5)", image);
  EXPECT_EQ(cv::norm(out.image, expected, cv::NORM_INF), 0.0);
  // The other order gives another image: order matters and is kept.
  EXPECT_GT(cv::norm(apply("compose:steps=(contrast:factor=0.5;brightness:factor=1.3)", image).image, expected,
                     cv::NORM_L1),
            0.0);
  EXPECT_TRUE(out.metadata.empty());
  EXPECT_EQ(apply("compose:steps=(jpeg_compression:quality=20)", image).metadata.count("1.jpeg_compression.jpeg_bytes"), 1u);
  try {
    host_.create_corruption(parse_spec("compose:steps=(brightness:factor=1.3;no_such_corruption)"));
    FAIL() << "an unknown step was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_corruption"), std::string::npos) << e.what();
  }
}

TEST_F(EditingPerturbations, TypographicWritesAWrongClassName) {
  classes_ = {"cat", "dog", "car", "cow", "owl", "fox"};  // short names: 8 copies fit a 224 px image
  const cv::Mat image = photo();
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    CorruptionOutput out = apply("typographic", image, seed, 3);
    ASSERT_FALSE(out.skipped) << out.metadata["skip_reason"];
    const int written = std::stoi(out.metadata.at("written_label"));
    EXPECT_NE(written, 3);
    EXPECT_EQ(out.metadata.at("written_text"), classes_[static_cast<size_t>(written)]);
    // Only white strokes are added: hundreds of pixels change, every one to pure white.
    cv::Mat changed, white;
    cv::compare(out.image.reshape(1), image.reshape(1), changed, cv::CMP_NE);
    cv::compare(out.image.reshape(1), 255, white, cv::CMP_EQ);
    EXPECT_GT(cv::countNonZero(changed), 300);
    EXPECT_EQ(cv::countNonZero(changed & ~white), 0);
  }
  EXPECT_EQ(cv::norm(apply("typographic", image, 4).image, apply("typographic", image, 4).image, cv::NORM_INF), 0.0);
}

// ImageNet-T / CIFAR-10-T write single-word labels only: names with a space or a comma are never
// drawn, unless labels=all; with no other single-word class the error says what to give.
TEST_F(EditingPerturbations, TypographicWritesOnlySingleWordLabelsByDefault) {
  classes_ = {"cat", "sea lion", "car", "cow", "owl, barn", "fox"};
  const cv::Mat image = photo();
  std::set<int> written, written_all;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    written.insert(std::stoi(apply("typographic", image, seed, 3).metadata.at("written_label")));
    written_all.insert(std::stoi(apply("typographic:labels=all", image, seed, 3).metadata.at("written_label")));
  }
  EXPECT_EQ(written, (std::set<int>{0, 2, 5}));
  EXPECT_EQ(written_all, (std::set<int>{0, 1, 2, 4, 5}));
  classes_ = {"sea lion", "cat"};
  std::string e;
  try {
    apply("typographic", image, 1, 1);
  } catch (const std::exception& x) {
    e = x.what();
  }
  EXPECT_NE(e.find("no other single-word class name to write; give text=... or labels=all"), std::string::npos) << e;
}

TEST_F(EditingPerturbations, TypographicScalesToSmallImagesAndSkipsWhatCannotFit) {
  const cv::Mat small = batch_.images[2];  // 32 px: drawn at 224 px, then scaled back
  CorruptionOutput out = apply("typographic:text=frog", small, 9, 2);
  ASSERT_FALSE(out.skipped) << out.metadata["skip_reason"];
  EXPECT_GT(cv::norm(out.image, small, cv::NORM_L1), 0.0);
  // Drawn at native size, 8 copies of a long name cannot fit in 32 px: skipped, with the reason.
  CorruptionOutput skipped = apply("typographic:reference_size=0,text=automobile", small, 9, 2);
  EXPECT_TRUE(skipped.skipped);
  EXPECT_NE(skipped.metadata.at("skip_reason").find("copies fit"), std::string::npos);
  EXPECT_EQ(apply("typographic:text=stop", small).metadata.count("written_label"), 0u);
  EXPECT_EQ(apply("typographic:text=frog", small).metadata.at("written_label"), "6");  // a class name is that class
  EXPECT_THROW(host_.create_corruption(parse_spec("typographic"))->apply({small, 1, 0, {}, "no-classes"}), Error);
}

}  // namespace
}  // namespace roz
