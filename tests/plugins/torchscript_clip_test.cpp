// The torchscript plugin on CLIP-like archives scripted by python3-torch: outputs and input
// gradients match the reference computation, including for an archive stored like OpenAI's
// (float16 weights, float16 casts, a baked "cuda:0" constant), which it must load unchanged.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/script.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

at::Tensor tensor_of(const nlohmann::json& j) {
  std::vector<std::int64_t> shape;
  const nlohmann::json* level = &j;
  while (level->is_array()) {
    shape.push_back(static_cast<std::int64_t>(level->size()));
    level = &(*level)[0];
  }
  std::vector<double> flat;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& x) {
    if (x.is_array())
      for (const auto& y : x) walk(y);
    else
      flat.push_back(x.get<double>());
  };
  walk(j);
  return at::tensor(flat, at::kDouble).view(shape);
}

struct Reference {
  at::Tensor pixels, image, grad, tokens, text;
};

const Reference& reference() {
  static const Reference r = [] {
    std::ifstream in(ROZ_TEST_FIXTURE_DIR "/clip_like_reference.json");
    auto j = nlohmann::json::parse(in);
    return Reference{tensor_of(j["pixels"]).to(at::kFloat), tensor_of(j["image_embeddings"]).to(at::kFloat),
                     tensor_of(j["grad_of_squared_norm"]).to(at::kFloat), tensor_of(j["tokens"]).to(at::kLong),
                     tensor_of(j["text_embeddings"]).to(at::kFloat)};
  }();
  return r;
}

class ClipLikeArchive : public testing::TestWithParam<const char*> {
 protected:
  std::shared_ptr<Model> load() {
    return host_.create_model(
        parse_spec(std::string("torchscript:resolution=32,path=") + ROZ_TEST_FIXTURE_DIR + "/" + GetParam()));
  }
  core::PluginHost host_{test::builtin_registry(), 0, 1};
};

TEST_P(ClipLikeArchive, ImageEmbeddingsAndInputGradientsMatchTheReference) {
  auto model = load();
  at::Tensor x = reference().pixels.clone().set_requires_grad(true);
  at::Tensor embedding = model->encode_image(x);
  EXPECT_TRUE(at::allclose(embedding, reference().image, 1e-4, 1e-4)) << (embedding - reference().image).abs().max();
  at::Tensor grad = torch::autograd::grad({embedding.pow(2).sum()}, {x})[0];
  EXPECT_TRUE(at::allclose(grad, reference().grad, 1e-3, 1e-4)) << (grad - reference().grad).abs().max();
  EXPECT_EQ(model->embedding_dim(), 16);
  EXPECT_NEAR(model->logit_scale(), 100.0, 0.05);  // exp of the stored log scale (fp16-rounded in one archive)
}

TEST_P(ClipLikeArchive, TextEmbeddingsMatchTheReferenceThroughTheTokenizer) {
  auto model = load();
  at::Tensor tokens = model->tokenize({"a diagram", "a photo of a"});
  EXPECT_TRUE(at::equal(tokens, reference().tokens));
  at::NoGradGuard no_grad;
  at::Tensor text = model->encode_text(tokens);
  EXPECT_TRUE(at::allclose(text, reference().text, 1e-4, 1e-4)) << (text - reference().text).abs().max();
}

INSTANTIATE_TEST_SUITE_P(Archives, ClipLikeArchive, testing::Values("clip_like_fp32.pt", "clip_like_openai.pt"),
                         [](const testing::TestParamInfo<const char*>& param_info) {
                           return std::string(param_info.param).find("openai") != std::string::npos ? "OpenAIStyle"
                                                                                                     : "Float32";
                         });

TEST(ClipLikeArchive, OpenAIStyleArchiveReallyNeedsThePatch) {
  // Loaded as is, the archive's text tower asks for a CUDA device this machine does not have.
  torch::jit::Module raw = torch::jit::load(ROZ_TEST_FIXTURE_DIR "/clip_like_openai.pt", at::kCPU);
  EXPECT_THROW(raw.run_method("encode_text", reference().tokens), std::exception);
}

}  // namespace
}  // namespace roz
