// The contracts Attack::perturb and Corruption::apply check once, in the SDK, for every plugin:
// each test breaks one clause and expects the check to name it.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include <functional>

#include "roz/attack.hpp"
#include "roz/corruption.hpp"
#include "roz/error.hpp"

namespace roz {
namespace {

// Returns whatever `make` builds from the batch.
class ScriptedAttack final : public Attack {
 public:
  ScriptedAttack(std::optional<ThreatModel> threat, std::function<AttackResult(const AttackBatch&)> make)
      : Attack(threat), make_(std::move(make)) {}

 private:
  AttackResult perturb_(Classifier&, const AttackBatch& batch) override { return make_(batch); }
  std::function<AttackResult(const AttackBatch&)> make_;
};

class NoClassifier final : public Classifier {
 public:
  at::Tensor logits(const at::Tensor& images) override { return at::zeros({images.size(0), 2}); }
  std::int64_t num_classes() const override { return 2; }
  Model& model() override { throw Error("no model"); }
};

std::string perturb_error(std::optional<ThreatModel> threat, std::function<AttackResult(const AttackBatch&)> make) {
  ScriptedAttack attack(threat, std::move(make));
  NoClassifier target;
  const at::Tensor images = at::full({2, 3, 4, 4}, 0.5);
  std::vector<std::uint64_t> seeds{1, 2};
  try {
    attack.perturb(target, {images, at::zeros({2}, at::kLong), seeds, nullptr});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

constexpr ThreatModel kLinf{Norm::linf, 8.0 / 255};

TEST(AttackContract, AResultInsideTheBallPasses) {
  EXPECT_EQ(perturb_error(kLinf, [](const AttackBatch& b) { return AttackResult{b.images + 8.0 / 255, 2, 0}; }), "");
  EXPECT_EQ(perturb_error(ThreatModel{Norm::l2, 0.5},
                          [](const AttackBatch& b) {
                            at::Tensor delta = at::zeros_like(b.images);
                            delta.select(1, 0).fill_(0.5 / 4);  // L2 norm 0.5: 16 pixels of 0.125
                            return AttackResult{b.images + delta, 2, 0};
                          }),
            "");
}

TEST(AttackContract, EveryBrokenClauseIsNamed) {
  EXPECT_EQ(perturb_error(kLinf, [](const AttackBatch&) { return AttackResult{}; }), "perturb returned no images");
  EXPECT_NE(perturb_error(kLinf,
                          [](const AttackBatch& b) {
                            return AttackResult{b.images.narrow(0, 0, 1), 0, 0};
                          })
                .find("perturb returned images [1, 3, 4, 4]"),
            std::string::npos);
  EXPECT_NE(perturb_error(kLinf,
                          [](const AttackBatch& b) {
                            return AttackResult{b.images.to(at::kDouble), 0, 0};
                          })
                .find("Double, expected its input's [2, 3, 4, 4] Float"),
            std::string::npos);
  EXPECT_NE(perturb_error(std::nullopt,
                          [](const AttackBatch& b) {
                            return AttackResult{b.images * 3, 0, 0};
                          })
                .find("perturb returned pixels outside [0,1] (min 1.5"),
            std::string::npos);
  EXPECT_NE(perturb_error(kLinf,
                          [](const AttackBatch& b) {
                            return AttackResult{b.images + 9.0 / 255, 0, 0};
                          })
                .find("from its input in L-inf, beyond its eps 0.031"),
            std::string::npos);
  EXPECT_NE(perturb_error(ThreatModel{Norm::l2, 0.5},
                          [](const AttackBatch& b) {
                            return AttackResult{b.images + 0.2, 0, 0};
                          })  // L2 norm 1.39
                .find("in L2, beyond its eps 0.5"),
            std::string::npos);
  EXPECT_EQ(perturb_error(kLinf,
                          [](const AttackBatch& b) {
                            return AttackResult{b.images, -1, 0};
                          }),
            "perturb returned a negative count of gradient evaluations or queries");
}

TEST(AttackContract, AMinimumNormAttackHasNoBall) {
  EXPECT_EQ(perturb_error(std::nullopt, [](const AttackBatch& b) { return AttackResult{b.images + 0.4, 0, 0}; }), "");
}

TEST(AttackContract, PromptAttacksReturnOnePromptPerClassAndTemplate) {
  class PromptAttack final : public Attack {
   public:
    explicit PromptAttack(std::size_t per_class) : per_class_(per_class) {}

   private:
    AttackResult perturb_(Classifier&, const AttackBatch& b) override { return {b.images, 0, 0}; }
    PromptAttackResult perturb_prompts_(Classifier&, const PromptSet& p, const AttackBatch&) override {
      return {std::vector<std::vector<std::string>>(p.class_names.size(), std::vector<std::string>(per_class_, "x")),
              1};
    }
    std::size_t per_class_;
  };
  NoClassifier target;
  const PromptSet prompts{{"cat", "dog"}, {"a {}", "the {}"}};
  const AttackBatch batch{at::zeros({1, 3, 2, 2}), at::zeros({1}, at::kLong), {}, &prompts};
  EXPECT_EQ(PromptAttack(2).perturb_prompts(target, prompts, batch).prompts.size(), 2u);
  try {
    PromptAttack(1).perturb_prompts(target, prompts, batch);
    FAIL() << "one prompt per class for two templates was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "perturb_prompts returned 1 prompts for class 'cat', expected one per template (2)");
  }
}

class ScriptedCorruption final : public Corruption {
 public:
  explicit ScriptedCorruption(std::function<CorruptionOutput(const CorruptionInput&)> make) : make_(std::move(make)) {}

 private:
  CorruptionOutput apply_(const CorruptionInput& in) const override { return make_(in); }
  std::function<CorruptionOutput(const CorruptionInput&)> make_;
};

std::string apply_error(const cv::Mat& image, std::function<CorruptionOutput(const CorruptionInput&)> make) {
  try {
    ScriptedCorruption(std::move(make)).apply({image, 1, -1, {}, "s7"});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CorruptionContract, SizeAndTypeAreChecked) {
  const cv::Mat rgb(4, 6, CV_8UC3, cv::Scalar(10, 20, 30));
  auto same = [](const CorruptionInput& in) { return CorruptionOutput{in.image.clone(), {}, false}; };
  EXPECT_EQ(apply_error(rgb, same), "");
  EXPECT_EQ(apply_error(rgb,
                        [](const CorruptionInput&) {
                          return CorruptionOutput{cv::Mat(4, 5, CV_8UC3), {}, false};
                        }),
            "apply returned an image of another size or type than its input (sample 's7')");
  EXPECT_EQ(apply_error(rgb,
                        [](const CorruptionInput&) {
                          return CorruptionOutput{cv::Mat(4, 6, CV_32FC3), {}, false};
                        }),
            "apply returned an image of another size or type than its input (sample 's7')");
  EXPECT_EQ(apply_error(rgb, [](const CorruptionInput&) { return CorruptionOutput{{}, {}, true}; }), "");  // skipped
  EXPECT_EQ(apply_error(cv::Mat(4, 6, CV_8UC1), same),
            "apply needs a non-empty 8-bit RGB image (CV_8UC3) (sample 's7')");
}

}  // namespace
}  // namespace roz
