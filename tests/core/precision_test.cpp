// --precision on the CPU (CPU autocast has bf16 and fp16, so these run in CI): the scope really
// lowers the forward pass, restores what it found, and bf16 evaluation and attacks agree with fp32
// on the embedded mini-CLIP and real Fashion-MNIST test images. The GPU twin is in tests/gpu.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>

#include "roz/attack.hpp"
#include "roz/core/autocast_scope.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

using core::Precision;

constexpr std::size_t kImages = 1024;

TEST(Precision, ParsesTheThreeNamesAndNamesTheOptionOtherwise) {
  EXPECT_EQ(core::parse_precision("fp32", "--precision"), Precision::fp32);
  EXPECT_EQ(core::parse_precision("bf16", "--precision"), Precision::bf16);
  EXPECT_EQ(core::parse_precision("fp16", "--precision"), Precision::fp16);
  EXPECT_STREQ(core::to_string(Precision::bf16), "bf16");
  try {
    core::parse_precision("float16", "config key 'precision'");
    FAIL() << "float16 accepted";
  } catch (const ParamError& e) {
    EXPECT_NE(std::string(e.what()).find("config key 'precision' 'float16'"), std::string::npos) << e.what();
  }
}

TEST(Precision, ScopeLowersMatmulsAndRestoresTheStateItFound) {
  const at::Tensor a = at::rand({8, 8}), b = at::rand({8, 8});
  {
    core::AutocastScope fp32(at::kCPU, Precision::fp32);
    EXPECT_EQ(at::matmul(a, b).scalar_type(), at::kFloat);
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(at::kCPU));
  {
    core::AutocastScope outer(at::kCPU, Precision::bf16);
    EXPECT_EQ(at::matmul(a, b).scalar_type(), at::kBFloat16);
    {
      core::AutocastScope inner(at::kCPU, Precision::fp16);
      EXPECT_EQ(at::matmul(a, b).scalar_type(), at::kHalf);
    }
    EXPECT_EQ(at::matmul(a, b).scalar_type(), at::kBFloat16);  // the outer scope's again
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(at::kCPU));
  EXPECT_EQ(at::matmul(a, b).scalar_type(), at::kFloat);
}

class Bf16AgainstFp32 : public testing::Test {
 protected:
  test::ZeroShotPair pair_{"cpu", Precision::fp32, "cpu", Precision::bf16, kImages};
  core::PluginHost &fp32_host_ = pair_.host_a, &bf16_host_ = pair_.host_b;
  test::TrainedZeroShot &fp32_ = pair_.a, &bf16_ = pair_.b;
};

TEST_F(Bf16AgainstFp32, ForwardPassesRunInBf16AndTop1AgreesWithinHalfAPoint) {
  c10::NoGradGuard no_grad;
  // The host's models run their towers under autocast: the embeddings come out in bf16...
  EXPECT_EQ(bf16_.model->encode_image(fp32_.images.slice(0, 0, 4)).scalar_type(), at::kBFloat16);
  EXPECT_EQ(fp32_.model->encode_image(fp32_.images.slice(0, 0, 4)).scalar_type(), at::kFloat);
  // ...so the logits differ, a little.
  const at::Tensor lo = bf16_.classifier->logits(fp32_.images), hi = fp32_.classifier->logits(fp32_.images);
  const double gap = (lo - hi).abs().max().item<double>();
  EXPECT_GT(gap, 0.0);
  EXPECT_LT(gap, 0.05 * hi.abs().max().item<double>());
  const double fp32 = test::accuracy(*fp32_.classifier, fp32_.images, fp32_.labels);
  const double bf16 = test::accuracy(*bf16_.classifier, fp32_.images, fp32_.labels);
  EXPECT_GT(fp32, 0.5);  // a model that classifies, not chance
  EXPECT_NEAR(bf16, fp32, 0.005) << "fp32 " << fp32 << ", bf16 " << bf16;
}

// Attacks under bf16: gradients come through the bf16 forward pass; images, perturbations and the
// eps ball stay fp32, so the budget means the same thing, and robust accuracy is close to fp32's.
TEST_F(Bf16AgainstFp32, AttacksKeepFp32ImagesInTheBallAndRobustAccuracyIsClose) {
  const std::vector<std::uint64_t> seeds(kImages, 7);
  const double eps = 2.0 / 255;
  for (const char* spec : {"fgsm:eps=2/255", "pgd:eps=2/255,steps=10"}) {
    auto attack32 = fp32_host_.create_attack(parse_spec(spec));
    auto attack16 = bf16_host_.create_attack(parse_spec(spec));
    const at::Tensor adv32 = attack32->perturb(*fp32_.classifier, {fp32_.images, fp32_.labels, seeds, nullptr}).images;
    const at::Tensor adv16 = attack16->perturb(*bf16_.classifier, {fp32_.images, fp32_.labels, seeds, nullptr}).images;
    EXPECT_EQ(adv16.scalar_type(), at::kFloat) << spec;
    EXPECT_LE((adv16 - fp32_.images).abs().max().item<double>(), eps + 1e-6) << spec;
    EXPECT_GT((adv16 - fp32_.images).abs().max().item<double>(), 0.5 * eps) << spec;  // it did attack
    const double robust32 = test::accuracy(*fp32_.classifier, adv32, fp32_.labels);
    const double robust16 = test::accuracy(*fp32_.classifier, adv16, fp32_.labels);  // both judged in fp32
    EXPECT_LT(robust16, test::accuracy(*fp32_.classifier, fp32_.images, fp32_.labels) - 0.05) << spec;
    EXPECT_NEAR(robust16, robust32, 0.02) << spec << ": fp32 " << robust32 << ", bf16 " << robust16;
  }
}

}  // namespace
}  // namespace roz
