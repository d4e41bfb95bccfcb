// The text-prompt attacks (word_substitution, char_edit) and the multimodal attack, on the trained
// mini-CLIP with Fashion-MNIST's class prompts and 64 real test images: they change at most k words
// of every prompt, lower the accuracy of the head rebuilt from the attacked prompts, are
// deterministic and leave the model alone; the host's evaluator runs them end to end.
#include <c10/core/GradMode.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>

#include "mini_clip_suite.hpp"
#include "roz/attack.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/results_store.hpp"
#include "roz/core/runner.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/words.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

class TextAttacks : public test::MiniClipSuite<testing::Test, 2000> {
 protected:
  static PromptAttackResult attack(const std::string& spec, bool with_images = true) {
    AttackBatch batch{
        with_images ? images_ : at::empty({0, 3, 28, 28}), with_images ? labels_ : at::empty({0}, at::kLong),
        with_images ? std::span<const std::uint64_t>(seeds_) : std::span<const std::uint64_t>(), &prompts_};
    return host_->create_attack(parse_spec(spec))->perturb_prompts(*classifier_, prompts_, batch);
  }
  // Accuracy on the 64 images of the head rebuilt from the given prompts.
  static double accuracy_with(const std::vector<std::vector<std::string>>& prompts) {
    core::ZeroShotClassifier attacked(model_, core::ZeroShotHead::from_class_prompts(*model_, prompts, 256));
    return test::accuracy(attacked, images_, labels_);
  }
  // Checks the shape and the k bound; returns the number of prompts changed.
  static std::size_t check_words(const PromptAttackResult& r, std::size_t k, const std::string& spec) {
    const std::vector<std::vector<std::string>> original = class_prompts(prompts_);
    EXPECT_EQ(r.prompts.size(), original.size()) << spec;
    std::size_t changed = 0;
    for (std::size_t c = 0; c < original.size(); ++c) {
      EXPECT_EQ(r.prompts[c].size(), original[c].size()) << spec;
      for (std::size_t t = 0; t < std::min(original[c].size(), r.prompts[c].size()); ++t) {
        const std::size_t words = words_changed(original[c][t], r.prompts[c][t]);
        EXPECT_LE(words, k) << spec << ": '" << original[c][t] << "' -> '" << r.prompts[c][t] << "'";
        changed += words > 0;
      }
    }
    return changed;
  }
};

TEST_F(TextAttacks, ChangeAtMostKWordsAndLowerAccuracyDeterministicallyWithoutTouchingTheModel) {
  std::vector<at::Tensor> before;
  for (const ModelParameter& p : model_->trainable_parameters()) before.push_back(p.tensor.detach().clone());
  const double clean = test::accuracy(*classifier_, images_, labels_);
  ASSERT_GT(clean, 0.7) << "the model should be trained";
  for (const char* base : {"word_substitution", "char_edit"}) {
    for (int k : {1, 2}) {
      const std::string spec = std::string(base) + ":k=" + std::to_string(k) + ",substitutes=10";
      PromptAttackResult r = attack(spec);
      EXPECT_GT(check_words(r, static_cast<std::size_t>(k), spec), 10u) << spec << " changed too few prompts";
      const double attacked = accuracy_with(r.prompts);
      EXPECT_LT(attacked, clean - 0.04) << spec << ": clean " << clean << ", attacked prompts " << attacked;
      EXPECT_GT(r.queries, 64) << spec << " counts its text and image encodings";
      EXPECT_EQ(r.prompts, attack(spec).prompts) << spec << " is not deterministic";
    }
  }
  std::vector<ModelParameter> after = model_->trainable_parameters();
  for (std::size_t i = 0; i < before.size(); ++i)
    EXPECT_TRUE(at::equal(before[i], after[i].tensor)) << "the model changed";
}

TEST_F(TextAttacks, MoreWordsAreNotWeaker) {
  const double k1 = accuracy_with(attack("word_substitution:k=1,substitutes=10").prompts);
  const double k3 = accuracy_with(attack("word_substitution:k=3,substitutes=10").prompts);
  EXPECT_LE(k3, k1 + 1.0 / 64 + 1e-9) << "k=1 " << k1 << ", k=3 " << k3;
}

TEST_F(TextAttacks, EachCharacterEditKindStaysInsideItsKind) {
  const std::string original = class_prompts(prompts_)[1][0];  // "a photo of a Trouser."
  for (const char* kind : {"swap", "delete", "insert", "homoglyph"}) {
    const std::string spec = std::string("char_edit:k=1,objective=embedding,edits=[") + kind + "]";
    PromptAttackResult r = attack(spec, false);
    ASSERT_GT(check_words(r, 1, spec), 0u) << spec;
    for (const auto& prompts : r.prompts)
      for (const std::string& p : prompts) {
        const bool ascii = std::all_of(p.begin(), p.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        EXPECT_EQ(ascii, std::string(kind) != "homoglyph") << spec << ": '" << p << "'";
      }
    const std::string& edited = r.prompts[1][0];
    if (std::string(kind) == "delete") {
      EXPECT_LE(edited.size(), original.size()) << edited;
    } else if (std::string(kind) == "insert") {
      EXPECT_GE(edited.size(), original.size()) << edited;
    } else if (std::string(kind) == "swap") {
      EXPECT_EQ(edited.size(), original.size()) << edited;
    }
  }
}

TEST_F(TextAttacks, EmbeddingObjectiveMovesPromptEmbeddingsWithoutImages) {
  PromptAttackResult r = attack("word_substitution:k=1,objective=embedding", false);
  ASSERT_GT(check_words(r, 1, "embedding objective"), 10u);
  std::vector<std::string> before, after;
  for (std::size_t c = 0; c < r.prompts.size(); ++c) {
    before.push_back(class_prompts(prompts_)[c][0]);
    after.push_back(r.prompts[c][0]);
  }
  c10::NoGradGuard no_grad;
  auto embed = [](const std::vector<std::string>& t) {
    at::Tensor e = model_->encode_text(model_->tokenize(t));
    return e / e.norm(2, 1, true);
  };
  const double cosine = (embed(before) * embed(after)).sum(1).mean().item<double>();
  EXPECT_LT(cosine, 0.99) << "mean cosine of the attacked first prompts to the originals";
  EXPECT_THROW(attack("word_substitution:k=1,objective=loss", false), PluginCallError) << "loss needs images";
}

TEST_F(TextAttacks, KeepClassNameAndCustomLexicon) {
  PromptAttackResult kept = attack("word_substitution:k=2,keep_class_name=true");
  for (std::size_t c = 0; c < kept.prompts.size(); ++c)
    for (const std::string& p : kept.prompts[c]) EXPECT_NE(p.find(prompts_.class_names[c]), std::string::npos) << p;

  const fs::path dir = fs::temp_directory_path() / "roz_text_attack_lexicon";
  fs::create_directories(dir);
  {
    std::ofstream(dir / "lexicon.tsv") << "# test lexicon\nphoto\tsketch painting\n";
    std::ofstream(dir / "broken.tsv") << "photo sketch\n";
  }
  PromptAttackResult custom = attack("word_substitution:k=1,lexicon=" + (dir / "lexicon.tsv").string());
  check_words(custom, 1, "custom lexicon");
  for (const auto& prompts : custom.prompts)
    for (const std::string& p : prompts) {
      const bool allowed = p.find("photo") != std::string::npos || p.find("sketch") != std::string::npos ||
                           p.find("painting") != std::string::npos;
      EXPECT_TRUE(allowed) << "only the lexicon's substitutes may appear: '" << p << "'";
    }
  try {
    attack("word_substitution:lexicon=" + (dir / "broken.tsv").string());
    ADD_FAILURE() << "a malformed lexicon must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.tsv:1"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

// The evaluator: text attacks once per condition on a class-balanced attack set, then the attacked
// head on every image; multimodal adds PGD against that head and is at least as strong as either part.
TEST(TextAttackEvaluation, RunsThroughTheEvaluatorAndMultimodalIsTheStrongest) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  core::EvalOptions o;
  o.model = parse_spec("mini_clip");
  o.dataset = "fashion-mnist";
  o.per_class = 10;
  o.prompt_attack_points = 50;
  for (const char* spec : {"word_substitution:k=1,substitutes=10", "pgd:eps=1/255,steps=5",
                           "multimodal:text=(word_substitution:k=1,substitutes=10),image=(pgd:eps=1/255,steps=5)"})
    o.attacks.push_back(parse_spec(spec));
  core::Results r = core::evaluate(host, o);
  ASSERT_EQ(r.conditions.size(), 4u);
  auto top1 = [&](std::size_t i) { return test::top1(r, i); };
  const core::StoredCondition& text = r.conditions[1];
  EXPECT_EQ(text.info.kind, "text_attack");
  ASSERT_TRUE(text.prompt_attack.has_value());
  EXPECT_EQ(text.prompt_attack->points, 50);
  EXPECT_EQ(text.prompt_attack->prompts, 80);
  EXPECT_LE(text.prompt_attack->max_words_changed, 1);
  EXPECT_GT(text.prompt_attack->prompts_changed, 10);
  EXPECT_FALSE(text.prompt_attack->examples.empty());
  EXPECT_EQ(text.samples, 100);
  EXPECT_LT(top1(1), top1(0) - 0.03) << "the text attack lowers accuracy";
  EXPECT_FALSE(r.conditions[2].prompt_attack.has_value());
  ASSERT_TRUE(r.conditions[3].prompt_attack.has_value());
  EXPECT_GT(r.conditions[3].gradient_evaluations, 0);
  EXPECT_LE(top1(3), std::min(top1(1), top1(2)) + 0.02)
      << "multimodal: text " << top1(1) << ", pgd " << top1(2) << ", both " << top1(3);

  o.attacks = {parse_spec("word_substitution")};
  o.support_per_class = 5;
  EXPECT_THROW(core::evaluate(host, o), Error) << "a prototype head has no prompts to attack";
}

// MMCoA's protocol: the image attack targets the clean prompts' head, so with a deterministic PGD its
// perturbations are PGD's alone, per image; `multimodal` attacks the images against the attacked head
// and perturbs them otherwise. Both score the images with the attacked prompts' head.
TEST(TextAttackEvaluation, MmcoaAttacksTheImagesAgainstTheCleanPromptsHead) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  core::EvalOptions o;
  o.model = parse_spec("mini_clip");
  o.dataset = "fashion-mnist";
  o.per_class = 6;
  o.prompt_attack_points = 30;
  o.out = test::fresh_dir("mmcoa");
  const std::string image = "pgd:eps=2/255,steps=5,random_start=false";
  for (const std::string& spec : {image, "mmcoa:text=(word_substitution:k=1,substitutes=10),image=(" + image + ")",
                                  "multimodal:text=(word_substitution:k=1,substitutes=10),image=(" + image + ")"})
    o.attacks.push_back(parse_spec(spec));
  const core::Results r = core::evaluate(host, o);
  ASSERT_EQ(r.conditions.size(), 4u);
  core::ResultsStore store(core::shard_database(o.out, 0, 1));
  auto l2 = [&](std::size_t i) {
    std::map<std::string, double> out;
    store.records().read(r.conditions[i].id,
                         [&](const SampleRecord& rec) { out[rec.sample_id] = rec.perturbation_l2.value_or(-1); });
    return out;
  };
  const std::map<std::string, double> pgd = l2(1), mmcoa = l2(2), multimodal = l2(3);
  ASSERT_EQ(pgd.size(), 60u);
  int same = 0, different = 0;
  for (const auto& [id, norm] : pgd) {
    same += std::abs(mmcoa.at(id) - norm) < 1e-6;
    different += std::abs(multimodal.at(id) - norm) > 1e-6;
  }
  EXPECT_EQ(same, 60) << "MMCoA's image perturbations are PGD's against the clean head";
  EXPECT_GT(different, 0) << "multimodal's are computed against the attacked head";
  EXPECT_TRUE(r.conditions[2].prompt_attack.has_value());
  EXPECT_EQ(r.conditions[2].info.kind, "text_attack");
}

}  // namespace
}  // namespace roz
