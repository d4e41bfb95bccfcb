// Image classifiers as TorchScript archives (tools/export_classifier.py): a torchvision ResNet-18 and
// a timm DeiT-Tiny (random weights) through roz's decoding, preprocessing and the torchscript plugin
// give the logits their own libraries' evaluation pipelines give (tests/fixtures/make_classifier_models.py).
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/import.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/spec.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<Model> load(core::PluginHost& host, const fs::path& archive) {
  return host.create_model(parse_spec("torchscript:path=" + archive.string()));
}

TEST(TorchScriptClassifier, LogitsEqualTheirLibrarysOwnPipelineOnPhotos) {
  std::ifstream in(fs::path(ROZ_TEST_FIXTURE_DIR) / "classifier_reference.json");
  const nlohmann::json ref = nlohmann::json::parse(in);
  std::vector<fs::path> photos;
  for (const auto& p : ref["photos"]) photos.emplace_back(p.get<std::string>());
  ASSERT_GE(photos.size(), 20u);
  core::PluginHost host(test::builtin_registry(), 0, 2);
  // What each library's eval transform is: torchvision's Resize(256) bilinear, timm's floor(224 / 0.9).
  const std::map<std::string, std::pair<std::int64_t, Interpolation>> expected_resize = {
      {"torchvision_resnet18.pt", {256, Interpolation::bilinear}},
      {"timm_deit_tiny.pt", {248, Interpolation::bicubic}}};
  for (const auto& [archive, logits] : ref["archives"].items()) {
    SCOPED_TRACE(archive);
    std::shared_ptr<Model> model = load(host, fs::path(ROZ_TEST_FIXTURE_DIR) / archive);
    const std::vector<std::string> names = model->class_names();
    ASSERT_EQ(names.size(), 1000u);
    EXPECT_EQ(names.front(), "tench");
    EXPECT_EQ(names.back(), "toilet paper");
    const Preprocessing p = model->preprocessing();
    EXPECT_EQ(p.resolution, 224);
    EXPECT_EQ(p.resize, expected_resize.at(archive).first);
    EXPECT_EQ(p.interpolation, expected_resize.at(archive).second);
    std::vector<cv::Mat> inputs;
    for (const fs::path& f : photos) inputs.push_back(core::resize_center_crop(datasets::decode_rgb(f), p));
    c10::NoGradGuard no_grad;
    const at::Tensor got = model->classify(core::to_tensor(inputs));
    ASSERT_EQ(got.sizes(), (std::vector<std::int64_t>{static_cast<std::int64_t>(photos.size()), 1000}));
    for (std::size_t i = 0; i < photos.size(); ++i) {
      const at::Tensor w = at::tensor(logits[i].get<std::vector<float>>());
      const at::Tensor g = got[static_cast<std::int64_t>(i)];
      EXPECT_LE((g - w).abs().max().item<double>(), 1e-3 * std::max(1.0, w.abs().max().item<double>()))
          << photos[i].filename();
      EXPECT_EQ(g.argmax().item<std::int64_t>(), w.argmax().item<std::int64_t>()) << photos[i].filename();
    }
    // The features the last linear layer reads: ResNet-18's 512, DeiT-Tiny's 192.
    EXPECT_EQ(model->embedding_dim(), archive == "torchvision_resnet18.pt" ? 512 : 192);
    EXPECT_THROW(model->tokenize({"a photo of a cat"}), Error);  // no text tower
  }
}

TEST(TorchScriptClassifier, ALabelSetOfAnotherWidthThanItsLogitsIsNamed) {
  const fs::path source = fs::path(ROZ_TEST_FIXTURE_DIR) / "fashion_mnist_classifier.pt";
  torch::jit::ExtraFilesMap extra{{"roz.json", ""}};
  torch::jit::Module module = torch::jit::load(source.string(), at::kCPU, extra);
  nlohmann::json conventions = nlohmann::json::parse(extra.at("roz.json"));
  ASSERT_EQ(conventions["class_names"].size(), 10u);
  conventions["class_names"] = {"cat", "dog", "bird"};
  const fs::path bad = test::fresh_dir("classifier_label_set") / "three_names.pt";
  module.save(bad.string(), {{"roz.json", conventions.dump()}});
  core::PluginHost host(test::builtin_registry(), 0, 1);
  try {
    load(host, bad);
    FAIL() << "loaded a classifier whose roz.json names 3 classes for 10 logits";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(bad.string()), std::string::npos) << message;
    EXPECT_NE(message.find("3 class_names"), std::string::npos) << message;
    EXPECT_NE(message.find("[1,10]"), std::string::npos) << message;
  }
  conventions["class_names"] = {"T-shirt/top", ""};
  module.save(bad.string(), {{"roz.json", conventions.dump()}});
  try {
    load(host, bad);
    FAIL() << "loaded a classifier with an empty class name";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("field 'class_names' is invalid"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roz
