// Self-describing TorchScript archives: the torchscript plugin takes resolution, mean, std, context
// length and logit scale from the archive (roz.json, or OpenAI's attributes); an explicit parameter
// wins with a warning; what neither gives is one clear error naming the parameter to set; a failing
// torch::jit::load shows TorchScript's own reason.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <torch/script.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <sstream>

#include "roz/error.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

// What `fn` throws, or "" when it does not.
template <class Fn>
std::string load_error(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Captures what the host logs while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// A model from elsewhere that records nothing: a 28 px image tower (a fixed linear layer over the
// flattened pixels) and a 16-token text tower (positional embeddings of that length).
// Named after the running test and the record, since ctest runs tests in parallel processes.
fs::path foreign_archive(const std::string& extra_json = "") {
  const std::string test = testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path path = fs::temp_directory_path() /
                        ("roz_foreign_" + test + "_" + std::to_string(std::hash<std::string>{}(extra_json)) + ".pt");
  torch::jit::Module m("Foreign");
  m.register_parameter("image_proj", at::randn({3 * 28 * 28, 8}), false);
  m.register_parameter("positions", at::randn({16, 8}), false);
  m.register_parameter("token_embedding", at::randn({49408, 8}), false);
  m.define(R"JIT(
def encode_image(self, x):
    return torch.matmul(x.flatten(1), self.image_proj)

def encode_text(self, t):
    return (torch.embedding(self.token_embedding, t) + self.positions).mean(1)
)JIT");
  if (extra_json.empty())
    m.save(path.string());
  else
    m.save(path.string(), {{"roz.json", extra_json}});
  return path;
}

std::shared_ptr<Model> load(const std::string& spec) {
  static core::PluginHost host(test::builtin_registry(), 0, 1);
  return host.create_model(parse_spec(spec));
}

const std::string kClipNormalisation = ",mean=[0.48145466,0.4578275,0.40821073],std=[0.26862954,0.26130258,0.27577711]";

TEST(TorchScriptConventions, ArchivesThatRecordThemNeedOnlyThePath) {
  // roz.json (written by roz_make_tiny_model, the fixture script and tools/export_open_clip.py)
  for (const std::string& archive : {std::string(ROZ_TEST_TINY_MODEL), std::string(ROZ_TEST_FIXTURE_DIR "/clip_like_fp32.pt")}) {
    auto model = load("torchscript:path=" + archive);
    EXPECT_EQ(model->preprocessing().resolution, 32) << archive;
    EXPECT_DOUBLE_EQ(model->preprocessing().mean[0], 0.48145466) << archive;
    EXPECT_EQ(model->tokenize({"a"}).size(1), 77) << archive;
  }
  // OpenAI-style archives: their input_resolution / context_length attributes, CLIP's normalisation,
  // written by torch 2.x and by torch 1.13.
  for (const std::string& archive : {std::string(ROZ_TEST_FIXTURE_DIR "/clip_like_openai.pt"),
                                    std::string(ROZ_TEST_FIXTURE_SOURCE_DIR "/torch-1.13/clip_like_openai.pt")}) {
    auto model = load("torchscript:path=" + archive);
    EXPECT_EQ(model->preprocessing().resolution, 32) << archive;
    EXPECT_DOUBLE_EQ(model->preprocessing().std[2], 0.27577711) << archive;
    EXPECT_EQ(model->encode_image(at::rand({1, 3, 32, 32})).size(1), 16) << archive;
  }
}

TEST(TorchScriptConventions, WhatTheArchiveDoesNotRecordIsAnErrorNamingTheParameter) {
  const fs::path foreign = foreign_archive();
  const std::string spec = "torchscript:path=" + foreign.string();
  std::string e = load_error([&] { load(spec); });
  EXPECT_NE(e.find("does not record its input normalisation: set mean= and std="), std::string::npos) << e;
  EXPECT_NE(e.find(foreign.string()), std::string::npos) << e;

  e = load_error([&] { load(spec + kClipNormalisation); });
  EXPECT_NE(e.find("records no input resolution and does not take 224x224 images: set resolution="), std::string::npos)
      << e;

  e = load_error([&] { load(spec + kClipNormalisation + ",resolution=28"); });
  EXPECT_NE(e.find("records no context length and does not take 77 tokens: set context_length="), std::string::npos)
      << e;

  auto model = load(spec + kClipNormalisation + ",resolution=28,context_length=16");
  EXPECT_EQ(model->encode_image(at::rand({2, 3, 28, 28})).sizes(), (at::IntArrayRef{2, 8}));
  EXPECT_EQ(model->encode_text(model->tokenize({"a photo"})).sizes(), (at::IntArrayRef{1, 8}));
  fs::remove(foreign);
}

TEST(TorchScriptConventions, TheArchivesRecordServesAForeignModel) {
  const fs::path foreign = foreign_archive(R"({"resolution": 28, "context_length": 16, "mean": [0.5, 0.5, 0.5],
                                              "std": [0.25, 0.25, 0.25], "tokenizer": "clip_bpe", "logit_scale": 50})");
  auto model = load("torchscript:path=" + foreign.string());
  EXPECT_EQ(model->preprocessing().resolution, 28);
  EXPECT_DOUBLE_EQ(model->preprocessing().std[1], 0.25);
  EXPECT_EQ(model->tokenize({"a"}).size(1), 16);
  EXPECT_DOUBLE_EQ(model->logit_scale(), 50.0);
  // The model normalises with the recorded mean/std: pixels of 0.5 become zeros.
  at::Tensor zero_in = load("torchscript:path=" + foreign.string())->encode_image(at::full({1, 3, 28, 28}, 0.5));
  EXPECT_LT(zero_in.abs().max().item<double>(), 1e-6);
  fs::remove(foreign);
}

// How the host makes the input (docs/models.md, "Preprocessing"): the archive's resize and filter,
// CLIP's when it records none, a parameter over both; a filter roz does not reproduce is refused,
// and so is a crop that would not fit, by the host, naming the model.
TEST(TorchScriptConventions, ResizeAndInterpolationComeFromTheArchiveOrAParameter) {
  const std::string record = R"({"resolution": 28, "context_length": 16, "mean": [0.5, 0.5, 0.5],
                                 "std": [0.25, 0.25, 0.25], "tokenizer": "clip_bpe")";
  const fs::path plain = foreign_archive(record + "}");
  EXPECT_EQ(load("torchscript:path=" + plain.string())->preprocessing().interpolation, Interpolation::bicubic);
  EXPECT_EQ(load("torchscript:path=" + plain.string())->preprocessing().shorter_side(), 28);
  const fs::path classifier = foreign_archive(record + R"(, "resize": 32, "interpolation": "bilinear"})");
  auto model = load("torchscript:path=" + classifier.string());
  EXPECT_EQ(model->preprocessing().interpolation, Interpolation::bilinear);
  EXPECT_EQ(model->preprocessing().shorter_side(), 32);
  {
    LogCapture log;
    model = load("torchscript:path=" + classifier.string() + ",interpolation=bicubic,resize=40");
    EXPECT_EQ(model->preprocessing().interpolation, Interpolation::bicubic);
    EXPECT_EQ(model->preprocessing().shorter_side(), 40);
    EXPECT_NE(log.text().find("interpolation set explicitly, overriding bilinear"), std::string::npos) << log.text();
  }
  // A saved model keeps them.
  const fs::path saved =
      fs::temp_directory_path() / ("roz_foreign_saved_bilinear_" + std::to_string(::getpid()) + ".pt");
  load("torchscript:path=" + classifier.string())->save(saved.string());
  EXPECT_EQ(load("torchscript:path=" + saved.string())->preprocessing().interpolation, Interpolation::bilinear);
  EXPECT_EQ(load("torchscript:path=" + saved.string())->preprocessing().shorter_side(), 32);
  const fs::path lanczos = foreign_archive(record + R"(, "interpolation": "lanczos"})");
  const std::string e = load_error([&] { load("torchscript:path=" + lanczos.string()); });
  EXPECT_NE(e.find("field 'interpolation' is invalid (\"lanczos\")"), std::string::npos) << e;
  const std::string small =
      load_error([&] { load("torchscript:path=" + plain.string() + ",resize=20")->preprocessing(); });
  EXPECT_NE(small.find("resize 20 is neither 0 nor in [resolution 28"), std::string::npos) << small;
  EXPECT_NE(small.find("torchscript"), std::string::npos) << small;
  for (const fs::path& p : {plain, classifier, lanczos, saved}) fs::remove(p);
}

TEST(TorchScriptConventions, AnExplicitParameterWinsWithAWarning) {
  LogCapture log;
  auto model = load(std::string("torchscript:path=") + ROZ_TEST_TINY_MODEL + ",logit_scale=50,resolution=40");
  EXPECT_DOUBLE_EQ(model->logit_scale(), 50.0);  // before: silently the archive's 100
  EXPECT_EQ(model->preprocessing().resolution, 40);
  EXPECT_NE(log.text().find("logit_scale set explicitly, overriding 100"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("resolution set explicitly, overriding 32"), std::string::npos) << log.text();
  // Agreeing values say nothing.
  LogCapture quiet;
  load(std::string("torchscript:path=") + ROZ_TEST_TINY_MODEL + ",resolution=32");
  EXPECT_EQ(quiet.text().find("overriding"), std::string::npos) << quiet.text();
}

TEST(TorchScriptConventions, BadRecordsAreNamed) {
  fs::path bad = foreign_archive(R"({"resolution": "large"})");
  std::string e = load_error([&] { load("torchscript:path=" + bad.string()); });
  EXPECT_NE(e.find("roz.json: field 'resolution' is invalid"), std::string::npos) << e;
  fs::remove(bad);
  bad = foreign_archive(R"({"resolution": 28, "mean": [0.5,0.5,0.5], "std": [1,1,1], "tokenizer": "sentencepiece"})");
  e = load_error([&] { load("torchscript:path=" + bad.string()); });
  EXPECT_NE(e.find("tokenizes with 'sentencepiece'"), std::string::npos) << e;
  fs::remove(bad);
  bad = foreign_archive("{not json");
  e = load_error([&] { load("torchscript:path=" + bad.string()); });
  EXPECT_NE(e.find("roz.json is not JSON"), std::string::npos) << e;
  fs::remove(bad);
}

TEST(TorchScriptConventions, ASavedModelKeepsItsConventions) {
  const fs::path foreign = foreign_archive();
  auto model = load("torchscript:path=" + foreign.string() + kClipNormalisation + ",resolution=28,context_length=16");
  const fs::path saved = fs::temp_directory_path() / ("roz_foreign_saved_" + std::to_string(::getpid()) + ".pt");
  model->save(saved.string());
  auto again = load("torchscript:path=" + saved.string());
  EXPECT_EQ(again->preprocessing().resolution, 28);
  EXPECT_EQ(again->tokenize({"a"}).size(1), 16);
  fs::remove(foreign);
  fs::remove(saved);
}

TEST(TorchScriptConventions, AFailedLoadShowsTorchScriptsReason) {
  // An archive whose code calls an operator this LibTorch lacks, as archives of a newer PyTorch do.
  const std::string path = ROZ_TEST_FIXTURE_DIR "/unknown_operator.pt";
  const std::string e = load_error([&] { load("torchscript:path=" + path); });
  EXPECT_NE(e.find("cannot load '" + path + "': Unknown builtin op: aten::roz_operator_from_the_future"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace roz
