// GPU checks (ctest label `gpu`; CI has no GPU and filters the label out, `make test-gpu` runs them):
// the model plugins place themselves on the CUDA device, and zero-shot logits and robust accuracy on
// CUDA agree with the CPU's (logits within 1e-3 relative, top-1 and FGSM / PGD / APGD-CE robust
// accuracy within 0.5 point) on the embedded mini-CLIP and real Fashion-MNIST test images.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "roz/attack.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

constexpr std::size_t kImages = 256;

double top1(Classifier& classifier, const at::Tensor& images, const at::Tensor& labels) {
  c10::NoGradGuard no_grad;
  return classifier.logits(images).argmax(1).cpu().eq(labels).to(at::kDouble).mean().item<double>();
}

class CudaAgreement : public testing::Test {
 protected:
  CudaAgreement()
      : cpu_host_(test::builtin_registry(), 0, 1, "cpu"),
        cuda_host_(test::builtin_registry(), 0, 1, "cuda"),
        cpu_(test::mini_clip_fashion_mnist(cpu_host_, kImages)),
        cuda_(test::mini_clip_fashion_mnist(cuda_host_, kImages)) {}

  core::PluginHost cpu_host_, cuda_host_;
  test::TrainedZeroShot cpu_, cuda_;
};

TEST_F(CudaAgreement, ModelsPlaceThemselvesOnTheDevice) {
  c10::NoGradGuard no_grad;
  EXPECT_TRUE(cuda_.model->encode_image(cpu_.images.slice(0, 0, 4)).is_cuda());
  EXPECT_TRUE(cuda_.model->encode_text(cuda_.model->tokenize({"a photo of a shoe."})).is_cuda());
  auto ts = cuda_host_.create_model(parse_spec(std::string("torchscript:path=") + ROZ_TEST_FIXTURE_DIR "/clip_like_openai.pt"));
  auto ts_cpu = cpu_host_.create_model(parse_spec(std::string("torchscript:path=") + ROZ_TEST_FIXTURE_DIR "/clip_like_openai.pt"));
  at::Tensor x = at::rand({2, 3, 32, 32});
  at::Tensor on_cuda = ts->encode_image(x);
  EXPECT_TRUE(on_cuda.is_cuda());
  at::Tensor reference = ts_cpu->encode_image(x);
  EXPECT_LT((on_cuda.cpu() - reference).abs().max().item<double>(), 1e-3 * reference.abs().max().item<double>());
}

TEST_F(CudaAgreement, ZeroShotLogitsAndTop1AgreeWithTheCpu) {
  c10::NoGradGuard no_grad;
  at::Tensor on_cpu = cpu_.classifier->logits(cpu_.images);
  at::Tensor on_cuda = cuda_.classifier->logits(cpu_.images).cpu();
  EXPECT_LT((on_cuda - on_cpu).abs().max().item<double>(), 1e-3 * on_cpu.abs().max().item<double>());
  EXPECT_NEAR(top1(*cuda_.classifier, cpu_.images, cpu_.labels), top1(*cpu_.classifier, cpu_.images, cpu_.labels),
              0.005);
}

TEST_F(CudaAgreement, RobustAccuracyAgreesWithTheCpu) {
  const std::vector<std::uint64_t> seeds(kImages, 7);
  for (const char* spec : {"fgsm:eps=2/255", "pgd:eps=2/255,steps=10", "apgd_ce:eps=2/255,steps=10"}) {
    auto attack_cpu = cpu_host_.create_attack(parse_spec(spec));
    auto attack_cuda = cuda_host_.create_attack(parse_spec(spec));
    at::Tensor adv_cpu = attack_cpu->perturb(*cpu_.classifier, {cpu_.images, cpu_.labels, seeds, nullptr}).images;
    at::Tensor adv_cuda = attack_cuda->perturb(*cuda_.classifier, {cpu_.images, cpu_.labels, seeds, nullptr}).images;
    EXPECT_NEAR(top1(*cuda_.classifier, adv_cuda, cpu_.labels), top1(*cpu_.classifier, adv_cpu, cpu_.labels), 0.005)
        << spec;
  }
}

}  // namespace
}  // namespace roz
