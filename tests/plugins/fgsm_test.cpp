#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "roz/attack.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

class Fgsm : public testing::Test {
 protected:
  Fgsm() : host_(test::builtin_registry(), 0, 1), classifier_(test::tiny_classifier(host_, 20)), batch_(test::load_cifar(20, 20)) {
    seeds_.assign(static_cast<size_t>(batch_.labels.size(0)), 0);
  }

  AttackResult run(const std::string& spec) {
    return host_.create_attack(parse_spec(spec))->perturb(*classifier_, {batch_.tensor, batch_.labels, seeds_, nullptr});
  }

  core::PluginHost host_;
  std::shared_ptr<core::ZeroShotClassifier> classifier_;
  test::ImageBatch batch_;
  std::vector<std::uint64_t> seeds_;
};

TEST_F(Fgsm, LowersTheAccuracyOfARealClassifier) {
  double clean = test::accuracy(*classifier_, batch_.tensor, batch_.labels);
  double weak = test::accuracy(*classifier_, run("fgsm:eps=1/255").images, batch_.labels);
  double strong = test::accuracy(*classifier_, run("fgsm:eps=8/255").images, batch_.labels);
  EXPECT_GT(clean, 0.18);  // 10 classes: well above chance
  EXPECT_LT(weak, clean);
  EXPECT_LT(strong, weak);
  EXPECT_LT(strong, 0.6 * clean);
}

TEST_F(Fgsm, StaysInsideTheEpsBallAndTheImageRange) {
  const double eps = 8.0 / 255;
  at::Tensor adv = run("fgsm:eps=8/255").images;
  EXPECT_LE((adv - batch_.tensor).abs().max().item<double>(), eps + 1e-6);
  EXPECT_GE(adv.min().item<double>(), 0.0);
  EXPECT_LE(adv.max().item<double>(), 1.0);

  at::Tensor adv2 = run("fgsm:eps=0.5,norm=l2").images;
  at::Tensor l2 = (adv2 - batch_.tensor).flatten(1).norm(2, 1);
  EXPECT_LE(l2.max().item<double>(), 0.5 + 1e-5);
  EXPECT_GT(l2.mean().item<double>(), 0.25);  // clamping trims, but the step is real
}

TEST_F(Fgsm, NeverChangesTheModelAndIsDeterministic) {
  std::vector<at::Tensor> before;
  // The parameters require gradients, as during fine-tuning: a backward() inside the attack would
  // fill their .grad (checked below); a gradient taken with respect to the input alone does not.
  for (const ModelParameter& p : classifier_->model().trainable_parameters()) {
    before.push_back(p.tensor.detach().clone());
    p.tensor.set_requires_grad(true);
  }
  ASSERT_FALSE(before.empty());
  AttackResult a = run("fgsm:eps=4/255");
  AttackResult b = run("fgsm:eps=4/255");
  EXPECT_TRUE(at::equal(a.images, b.images));
  EXPECT_EQ(a.gradient_evaluations, batch_.labels.size(0));  // one per point
  auto after = classifier_->model().trainable_parameters();
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(at::equal(before[i], after[i].tensor));
  for (const ModelParameter& p : after) {
    EXPECT_FALSE(p.tensor.grad().defined()) << p.name << ": the attack ran backward() through the model";
    p.tensor.set_requires_grad(false);
  }
}

}  // namespace
}  // namespace roz
