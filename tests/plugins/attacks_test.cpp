// Every built-in image attack against a trained model: the embedded mini-CLIP on 64 real
// Fashion-MNIST test images, with budgets reduced for CI. Each attack lowers the accuracy, stays in
// its eps-ball and [0,1], repeats itself for the same seeds, leaves the model's parameters alone and
// reports its cost. PGD is not weaker at a larger eps.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "roz/support/attacks/fab.hpp"  // the support library: the projection is tested directly
#include "mini_clip_suite.hpp"
#include "roz/attack.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

struct AttackCase {
  std::string spec;
  double eps;
  bool l2 = false;
  bool scores_only = false;
};

void PrintTo(const AttackCase& c, std::ostream* os) {
  *os << c.spec;
}

class ImageAttacks : public test::MiniClipSuite<testing::TestWithParam<AttackCase>, 1000> {
 protected:
  AttackResult run(const std::string& spec) {
    return host_->create_attack(parse_spec(spec))->perturb(*classifier_, {images_, labels_, seeds_, &prompts_});
  }
  static double accuracy(const at::Tensor& images) { return test::accuracy(*classifier_, images, labels_); }
};

TEST_P(ImageAttacks, LowersAccuracyInsideTheBallDeterministicallyWithoutTouchingTheModel) {
  const AttackCase& c = GetParam();
  std::vector<at::Tensor> before;
  for (const ModelParameter& p : model_->trainable_parameters()) before.push_back(p.tensor.detach().clone());

  const double clean = accuracy(images_);
  AttackResult a = run(c.spec);
  const double robust = accuracy(a.images);
  EXPECT_GT(clean, 0.7) << "the model should be trained";
  EXPECT_LT(robust, clean - 0.04) << c.spec << ": clean " << clean << ", under attack " << robust;

  at::Tensor delta = (a.images - images_).flatten(1);
  const double size = c.l2 ? delta.norm(2, 1).max().item<double>() : delta.abs().amax(1).max().item<double>();
  EXPECT_LE(size, c.eps + (c.l2 ? 1e-4 : 1e-6)) << c.spec;
  EXPECT_GE(a.images.min().item<double>(), 0.0);
  EXPECT_LE(a.images.max().item<double>(), 1.0);

  EXPECT_TRUE(at::equal(a.images, run(c.spec).images)) << c.spec << ": not deterministic for the same seeds";
  std::vector<ModelParameter> after = model_->trainable_parameters();
  for (std::size_t i = 0; i < before.size(); ++i)
    EXPECT_TRUE(at::equal(before[i], after[i].tensor)) << c.spec << " changed the model";
  EXPECT_GT(a.queries, 0) << c.spec;
  if (c.scores_only)
    EXPECT_EQ(a.gradient_evaluations, 0) << c.spec << " is score-based";
  else
    EXPECT_GT(a.gradient_evaluations, 0) << c.spec;
}

INSTANTIATE_TEST_SUITE_P(
    Attacks, ImageAttacks,
    testing::Values(AttackCase{"fgsm:eps=8/255", 8.0 / 255}, AttackCase{"bim:eps=4/255,steps=5", 4.0 / 255},
                    AttackCase{"pgd:eps=4/255,steps=5", 4.0 / 255}, AttackCase{"pgd:eps=1,norm=l2,steps=5", 1.0, true},
                    AttackCase{"mim:eps=4/255,steps=5", 4.0 / 255}, AttackCase{"dim:eps=4/255,steps=5", 4.0 / 255},
                    AttackCase{"apgd_ce:eps=4/255,steps=10", 4.0 / 255},
                    AttackCase{"apgd_dlr:eps=4/255,steps=10", 4.0 / 255},
                    AttackCase{"apgd_dlr:eps=4/255,steps=5,targeted=true,target_classes=2", 4.0 / 255},
                    AttackCase{"apgd_ce:eps=1,norm=l2,steps=10", 1.0, true},
                    AttackCase{"square:eps=8/255,queries=200", 8.0 / 255, false, true},
                    AttackCase{"square:eps=1,norm=l2,queries=200", 1.0, true, true},
                    AttackCase{"nes:eps=8/255,steps=5,samples=20", 8.0 / 255, false, true},
                    AttackCase{"spsa:eps=8/255,steps=5,samples=20", 8.0 / 255, false, true},
                    AttackCase{"transfer:source=(mini_clip),attack=(pgd:eps=4/255,steps=5)", 4.0 / 255},
                    AttackCase{"cw_l2:steps=20,binary_search_steps=2,eps=3", 3.0, true},
                    AttackCase{"fab:eps=4/255,steps=10", 4.0 / 255},
                    AttackCase{"fab:eps=4/255,steps=10,targeted=true,target_classes=2", 4.0 / 255},
                    AttackCase{"fab:eps=1,norm=l2,steps=10", 1.0, true},
                    AttackCase{"autoattack:eps=4/255,steps=5,target_classes=2,square_queries=50", 4.0 / 255},
                    AttackCase{"deepfool:steps=20,eps=3", 3.0, true}),
    [](const testing::TestParamInfo<AttackCase>& param) {
      std::string name = param.param.spec.substr(0, param.param.spec.find(':'));
      return name + "_" + std::to_string(param.index);
    });

TEST_F(ImageAttacks, PgdIsNotWeakerAtALargerEps) {
  // Same seeds, step size proportional to eps (the default 2.5 eps / steps).
  double previous = accuracy(images_);
  for (const char* eps : {"1/255", "2/255", "4/255", "8/255"}) {
    const double robust = accuracy(run(std::string("pgd:steps=10,eps=") + eps).images);
    EXPECT_LE(robust, previous + 1.0 / 64 + 1e-9) << "eps " << eps;  // tolerance: one point of 64
    previous = robust;
  }
}

TEST_F(ImageAttacks, TransferFromTheSameModelMatchesTheWhiteBoxAttack) {
  EXPECT_TRUE(at::equal(run("transfer:source=(mini_clip),attack=(pgd:eps=4/255,steps=5)").images,
                        run("pgd:eps=4/255,steps=5").images));
}

TEST_F(ImageAttacks, AttacksOnlyPointsStillClassifiedCorrectly) {
  AttackResult a = run("pgd:eps=8/255,steps=5");
  at::Tensor wrong = classifier_->logits(images_).argmax(1).ne(labels_);
  at::Tensor moved = (a.images - images_).flatten(1).abs().amax(1).gt(0);
  EXPECT_GT(wrong.sum().item<std::int64_t>(), 0);
  EXPECT_FALSE((wrong & moved).any().item<bool>()) << "misclassified points were perturbed";
}

TEST_F(ImageAttacks, AutoAttackIsAtLeastAsStrongAsItsStrongestMember) {
  const double ensemble = accuracy(run("autoattack:eps=4/255,steps=5,target_classes=2,square_queries=50").images);
  double strongest = 1.0;
  for (const char* member : {"apgd_ce:eps=4/255,steps=5", "apgd_dlr:eps=4/255,steps=5,targeted=true,target_classes=2",
                             "fab:eps=4/255,steps=5,targeted=true,target_classes=2", "square:eps=4/255,queries=50"})
    strongest = std::min(strongest, accuracy(run(member).images));
  EXPECT_LE(ensemble, strongest + 1e-9) << "ensemble " << ensemble << ", strongest member " << strongest;
}

TEST(FabProjection, FindsTheSmallestStepToTheHyperplaneInsideTheBox) {
  at::manual_seed(3);
  const at::Tensor x = at::rand({4, 3, 5, 5}), w = at::randn({4, 3, 5, 5}), c = at::tensor({0.3, -0.2, 0.05, 100.0});
  for (attacks::Norm norm : {attacks::Norm::linf, attacks::Norm::l2}) {
    const at::Tensor d = attacks::project_to_hyperplane(x, w, c, norm);
    const at::Tensor reached = (w * d).flatten(1).sum(1);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(reached[i].item<double>(), c[i].item<double>(), 1e-6);
    EXPECT_LT(reached[3].item<double>(), 100.0);  // out of the box's reach: the largest step instead
    EXPECT_GE((x + d).min().item<double>(), -1e-9);
    EXPECT_LE((x + d).max().item<double>(), 1 + 1e-9);
    // Minimal: the same direction scaled down by 1% no longer reaches the hyperplane.
    const at::Tensor shorter = (w * (0.99 * d)).flatten(1).sum(1);
    for (int i = 0; i < 3; ++i) EXPECT_LT(std::abs(shorter[i].item<double>()), std::abs(c[i].item<double>()));
  }
}

TEST_F(ImageAttacks, MinEpsFindsSmallerBudgetsThanTheLargestItTries) {
  const double largest = 8.0 / 255;
  AttackResult a = run("min_eps:attack=(pgd:steps=5),grid=[2/255,8/255],tolerance=1/255");
  AttackResult at_largest = run("pgd:steps=5,eps=8/255");
  at::Tensor linf = (a.images - images_).flatten(1).abs().amax(1);
  EXPECT_LE(linf.max().item<double>(), largest + 1e-6);
  // Whatever PGD fools at the largest eps, the search fools too (it tries that eps on every point
  // not fooled below it)...
  EXPECT_LE(accuracy(a.images), accuracy(at_largest.images) + 1e-9);
  // ...and for many points with less: the median successful budget is below the largest.
  at::Tensor fooled =
      classifier_->logits(a.images).argmax(1).ne(labels_) & classifier_->logits(images_).argmax(1).eq(labels_);
  ASSERT_GT(fooled.sum().item<std::int64_t>(), 3);
  EXPECT_LT(linf.masked_select(fooled).median().item<double>(), largest - 0.5 / 255);
  EXPECT_GT(a.gradient_evaluations, at_largest.gradient_evaluations);
}

// min_eps gives the budget to the attack that takes it: transfer's nested attack (computed here on
// the target model itself as the source, so it fools as the direct search does).
TEST_F(ImageAttacks, MinEpsWrapsTransferByBudgetingItsAttack) {
  AttackResult a =
      run("min_eps:attack=(transfer:source=(mini_clip),attack=(pgd:steps=5)),grid=[2/255,8/255],"
          "tolerance=1/255");
  const at::Tensor linf = (a.images - images_).flatten(1).abs().amax(1);
  EXPECT_LE(linf.max().item<double>(), 8.0 / 255 + 1e-6);
  EXPECT_LT(accuracy(a.images), accuracy(images_));
  EXPECT_GT(a.gradient_evaluations, 0);
}

}  // namespace
}  // namespace roz
