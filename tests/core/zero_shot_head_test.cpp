#include <c10/core/GradMode.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "roz/clip_tokenizer.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/zero_shot_head.hpp"

#include <filesystem>
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

std::shared_ptr<Model> tiny_model(core::PluginHost& host) {
  return host.create_model(parse_spec(std::string("torchscript:path=") + ROZ_TEST_TINY_MODEL + ",resolution=32"));
}

at::Tensor normalised(const at::Tensor& x) { return x / x.norm(2, -1, true); }

TEST(ZeroShotHead, PromptEnsembleIsTheNormalisedMeanOfNormalisedTemplates) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto model = tiny_model(host);
  PromptSet prompts{{"cat", "great white shark", "café"}, {"a photo of a {}.", "a sketch of the {}.", "{}"}};
  core::ZeroShotHead head = core::ZeroShotHead::from_prompts(*model, prompts, 2);  // batches split templates

  c10::NoGradGuard no_grad;
  for (size_t c = 0; c < prompts.class_names.size(); ++c) {
    std::vector<at::Tensor> rows;
    for (const std::string& t : prompts.templates) {
      std::string text = t;
      text.replace(text.find("{}"), 2, prompts.class_names[c]);
      std::vector<std::int64_t> ids = ClipTokenizer::instance().tokenize(text);
      at::Tensor tokens = at::zeros({1, 77}, at::kLong);
      for (size_t j = 0; j < ids.size(); ++j) tokens[0][static_cast<std::int64_t>(j)] = ids[j];
      rows.push_back(normalised(model->encode_text(tokens))[0]);
    }
    at::Tensor expected = normalised(at::stack(rows).mean(0));
    EXPECT_TRUE(at::allclose(head.class_embeddings()[static_cast<std::int64_t>(c)], expected, 1e-5, 1e-6)) << c;
  }
  EXPECT_NEAR(head.logit_scale(), 100.0, 1e-3);

  // logits = scale * cosine(image, class)
  at::Tensor images = test::load_cifar(1).tensor;
  at::Tensor emb = model->encode_image(images);
  at::Tensor expected = 100.0 * at::matmul(normalised(emb), head.class_embeddings().t());
  EXPECT_TRUE(at::allclose(head.logits(emb), expected, 1e-4, 1e-4));
}

TEST(ZeroShotHead, TemplateWithoutPlaceholderIsAnError) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto model = tiny_model(host);
  EXPECT_THROW(core::ZeroShotHead::from_prompts(*model, {{"cat"}, {"a photo"}}, 8), Error);
}

}  // namespace
}  // namespace roz

namespace roz {
namespace {

TEST(HeadCache, StoresThenHitsAndKeysOnModelAndPrompts) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "roz_head_cache_test";
  fs::remove_all(dir);
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto model = tiny_model(host);
  core::HeadCache cache(dir);
  PromptSet prompts{{"cat", "dog"}, {"a photo of a {}."}};
  fs::path file = cache.path_for("model-a", prompts);
  EXPECT_FALSE(fs::exists(file));
  core::ZeroShotHead computed = cache.prompt_head(*model, "model-a", prompts, 8);
  ASSERT_TRUE(fs::exists(file));
  core::ZeroShotHead cached = cache.prompt_head(*model, "model-a", prompts, 8);
  EXPECT_TRUE(at::equal(cached.class_embeddings(), computed.class_embeddings()));
  EXPECT_EQ(cached.logit_scale(), computed.logit_scale());

  EXPECT_NE(cache.path_for("model-b", prompts), file);
  EXPECT_NE(cache.path_for("model-a", {{"cat", "dog"}, {"a photo of the {}."}}), file);
  EXPECT_NE(cache.path_for("model-a", {{"cat dog"}, {"a photo of a {}."}}), cache.path_for("model-a", prompts));

  // A truncated entry is ignored and rewritten, never read as a wrong head.
  fs::resize_file(file, fs::file_size(file) - 4);
  core::ZeroShotHead recomputed = cache.prompt_head(*model, "model-a", prompts, 8);
  EXPECT_TRUE(at::equal(recomputed.class_embeddings(), computed.class_embeddings()));
  EXPECT_EQ(fs::file_size(file), 32u + 2 * 64 * sizeof(float));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace roz
