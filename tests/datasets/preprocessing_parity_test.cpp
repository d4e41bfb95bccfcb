// The image pipeline against the Python references it follows (tests/fixtures/
// make_preprocessing_references.py): PIL's decoding and RGB conversion as torchvision's ImageFolder
// loads a file, torchvision's Resize + CenterCrop, and open_clip's own eval transform.
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "roz/core/image_pipeline.hpp"
#include "roz/core/pil_resize.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/model.hpp"
#include "roz/overlap/npy.hpp"
#include "roz/spec.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

const fs::path kFixture = fs::path(ROZ_TEST_FIXTURE_DIR) / "preprocessing";

nlohmann::json reference() {
  std::ifstream in(kFixture / "reference.json");
  return nlohmann::json::parse(in);
}

std::vector<fs::path> images(const nlohmann::json& ref) {
  std::vector<fs::path> out;
  for (const auto& p : ref["images"]) out.emplace_back(p.get<std::string>());
  return out;
}

Preprocessing preprocessing_of(const nlohmann::json& config) {
  return {.resolution = config["resolution"].get<std::int64_t>(),
          .resize = config["resize"].get<std::int64_t>(),
          .interpolation = *parse_interpolation(config["interpolation"].get<std::string>())};
}

TEST(PreprocessingParity, PixelsEqualTorchvisionsResizeAndCenterCropOfPilImagesBitForBit) {
  const nlohmann::json ref = reference();
  const std::vector<fs::path> files = images(ref);
  ASSERT_GE(files.size(), 50u);
  for (const auto& config : ref["configs"]) {
    const Preprocessing p = preprocessing_of(config);
    const std::size_t bytes = static_cast<std::size_t>(p.resolution * p.resolution * 3);
    std::ifstream in(kFixture / (config["name"].get<std::string>() + ".rgb"), std::ios::binary);
    std::vector<char> want(bytes * files.size());
    ASSERT_TRUE(in.read(want.data(), static_cast<std::streamsize>(want.size()))) << config["name"];
    std::ostringstream differing;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const cv::Mat got = core::resize_center_crop(datasets::decode_rgb(files[i]), p);
      ASSERT_EQ(got.total() * got.elemSize(), bytes) << files[i];
      int wrong = 0, worst = 0;
      for (std::size_t b = 0; b < bytes; ++b) {
        const int d = std::abs(int(got.data[b]) - int(static_cast<unsigned char>(want[i * bytes + b])));
        wrong += d != 0;
        worst = std::max(worst, d);
      }
      if (wrong > 0) differing << "\n  " << files[i].filename().string() << ": " << wrong << " values, up to " << worst;
    }
    EXPECT_EQ(differing.str(), "") << config["name"] << ": images whose pixels differ from torchvision's";
  }
}

TEST(PreprocessingParity, OpenClipEmbeddingsOfRozPipelineMatchOpenClipsOwnTransform) {
  const nlohmann::json ref = reference();
  const std::vector<fs::path> files = images(ref);
  core::PluginHost host(test::builtin_registry(), 0, 2);
  std::shared_ptr<Model> model =
      host.create_model(parse_spec(std::string("torchscript:path=") + ROZ_TEST_FIXTURE_DIR "/open_clip_vit_b32.pt"));
  const Preprocessing p = model->preprocessing();
  EXPECT_EQ(p.interpolation, Interpolation::bicubic);
  EXPECT_EQ(p.shorter_side(), 224);
  std::vector<cv::Mat> inputs;
  for (const fs::path& f : files) inputs.push_back(core::resize_center_crop(datasets::decode_rgb(f), p));
  std::vector<at::Tensor> rows;
  c10::NoGradGuard no_grad;
  for (std::size_t first = 0; first < inputs.size(); first += 16) {
    std::vector<cv::Mat> batch(inputs.begin() + static_cast<std::ptrdiff_t>(first),
                               inputs.begin() + static_cast<std::ptrdiff_t>(std::min(first + 16, inputs.size())));
    rows.push_back(model->encode_image(core::to_tensor(batch)));
  }
  const at::Tensor got = at::cat(rows);
  const overlap::NpyMatrix want_npy = overlap::read_npy(kFixture / ref["embeddings"].get<std::string>());
  ASSERT_EQ(want_npy.rows, got.size(0));
  const at::Tensor want =
      at::from_blob(const_cast<float*>(want_npy.data.data()), {want_npy.rows, want_npy.cols}, at::kFloat);
  const at::Tensor cosine = at::cosine_similarity(got, want, 1);
  const auto worst = cosine.argmin().item<std::int64_t>();
  EXPECT_GE(cosine.min().item<double>(), 0.9999)
      << "lowest cosine " << cosine.min().item<double>() << " at " << files[static_cast<std::size_t>(worst)]
      << ", mean " << cosine.mean().item<double>();
}

TEST(PilResize, MatchesPillowOnRandomSizes) {
  std::ifstream in(kFixture / "resize_cases.json");
  const nlohmann::json cases = nlohmann::json::parse(in);
  ASSERT_GE(cases.size(), 50u);
  std::ostringstream differing;
  for (const auto& c : cases) {
    const cv::Mat source = datasets::decode_rgb(c["image"].get<std::string>());
    const cv::Size size(c["width"].get<int>(), c["height"].get<int>());
    const cv::Mat got = core::pil_resize(source, size, *parse_interpolation(c["interpolation"].get<std::string>()));
    std::ifstream pixels(kFixture / c["pixels"].get<std::string>(), std::ios::binary);
    std::vector<char> want(static_cast<std::size_t>(size.area()) * 3);
    ASSERT_TRUE(pixels.read(want.data(), static_cast<std::streamsize>(want.size()))) << c["pixels"];
    ASSERT_TRUE(got.isContinuous());
    if (std::memcmp(got.data, want.data(), want.size()) != 0)
      differing << "\n  " << source.cols << " x " << source.rows << " -> " << size << " " << c["interpolation"];
  }
  EXPECT_EQ(differing.str(), "") << "resizes that differ from Pillow's";
}

// Pillow's fixed-point arithmetic on cases a reader can check by hand.
TEST(PilResize, KeepsConstantImagesAndSizesAndCopiesWhenTheSizeIsUnchanged) {
  const cv::Mat grey(37, 53, CV_8UC3, cv::Scalar(200, 17, 90));
  for (Interpolation i : {Interpolation::bicubic, Interpolation::bilinear})
    for (cv::Size size : {cv::Size(5, 7), cv::Size(53, 100), cv::Size(224, 224), cv::Size(53, 37)}) {
      const cv::Mat out = core::pil_resize(grey, size, i);
      ASSERT_EQ(out.size(), size);
      EXPECT_EQ(cv::norm(out, cv::Mat(size, CV_8UC3, cv::Scalar(200, 17, 90)), cv::NORM_INF), 0) << size;
    }
}

TEST(ResizedSize, TruncatesTheLongerSideAsTorchvision) {
  EXPECT_EQ(core::resized_size({500, 333}, 224), cv::Size(336, 224));  // int(336.34)
  EXPECT_EQ(core::resized_size({375, 500}, 224), cv::Size(224, 298));  // int(298.67), not 299
  EXPECT_EQ(core::resized_size({40, 1000}, 256), cv::Size(256, 6400));
  EXPECT_EQ(core::resized_size({224, 224}, 224), cv::Size(224, 224));
}

}  // namespace
}  // namespace roz
