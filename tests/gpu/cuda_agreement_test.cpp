// GPU checks (ctest label `gpu`; CI has no GPU and filters the label out, `make test-gpu` runs them):
// the model plugins place themselves on the CUDA device; zero-shot logits and robust accuracy on
// CUDA agree with the CPU's (logits within 1e-3 relative, top-1 and FGSM / PGD / APGD-CE robust
// accuracy within 0.5 point) on the embedded mini-CLIP and real Fashion-MNIST test images; bf16
// top-1 is within 0.5 point of fp32; every image attack family runs on the device; and attack loops
// move nothing image-sized between host and device per step. tests/scripts/gpu_pipeline_test.sh checks the commands end to end.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/record_function.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <string_view>

#include "roz/attack.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

constexpr std::size_t kImages = 256;

class CudaAgreement : public testing::Test {
 protected:
  test::ZeroShotPair pair_{"cpu", core::Precision::fp32, "cuda", core::Precision::fp32, kImages};
  core::PluginHost &cpu_host_ = pair_.host_a, &cuda_host_ = pair_.host_b;
  test::TrainedZeroShot &cpu_ = pair_.a, &cuda_ = pair_.b;
};

TEST_F(CudaAgreement, ModelsPlaceThemselvesOnTheDevice) {
  c10::NoGradGuard no_grad;
  EXPECT_TRUE(cuda_.images.is_cuda());
  EXPECT_TRUE(cuda_.model->encode_image(cuda_.images.slice(0, 0, 4)).is_cuda());
  EXPECT_TRUE(cuda_.model->encode_text(cuda_.model->tokenize({"a photo of a shoe."})).is_cuda());
  EXPECT_TRUE(cuda_.classifier->logits(cuda_.images.slice(0, 0, 4)).is_cuda());
  auto ts = cuda_host_.create_model(parse_spec(std::string("torchscript:path=") + ROZ_TEST_FIXTURE_DIR "/clip_like_openai.pt"));
  auto ts_cpu = cpu_host_.create_model(parse_spec(std::string("torchscript:path=") + ROZ_TEST_FIXTURE_DIR "/clip_like_openai.pt"));
  at::Tensor x = at::rand({2, 3, 32, 32});
  at::Tensor on_cuda = ts->encode_image(x.cuda());
  EXPECT_TRUE(on_cuda.is_cuda());
  at::Tensor reference = ts_cpu->encode_image(x);
  EXPECT_LT((on_cuda.cpu() - reference).abs().max().item<double>(), 1e-3 * reference.abs().max().item<double>());
}

TEST_F(CudaAgreement, ZeroShotLogitsAndTop1AgreeWithTheCpu) {
  c10::NoGradGuard no_grad;
  at::Tensor on_cpu = cpu_.classifier->logits(cpu_.images);
  at::Tensor on_cuda = cuda_.classifier->logits(cuda_.images).cpu();
  EXPECT_LT((on_cuda - on_cpu).abs().max().item<double>(), 1e-3 * on_cpu.abs().max().item<double>());
  EXPECT_NEAR(test::accuracy(*cuda_.classifier, cuda_.images, cuda_.labels),
              test::accuracy(*cpu_.classifier, cpu_.images, cpu_.labels), 0.005);
}

TEST_F(CudaAgreement, RobustAccuracyAgreesWithTheCpu) {
  const std::vector<std::uint64_t> seeds(kImages, 7);
  for (const char* spec : {"fgsm:eps=2/255", "pgd:eps=2/255,steps=10", "apgd_ce:eps=2/255,steps=10"}) {
    auto attack_cpu = cpu_host_.create_attack(parse_spec(spec));
    auto attack_cuda = cuda_host_.create_attack(parse_spec(spec));
    at::Tensor adv_cpu = attack_cpu->perturb(*cpu_.classifier, {cpu_.images, cpu_.labels, seeds, nullptr}).images;
    at::Tensor adv_cuda = attack_cuda->perturb(*cuda_.classifier, {cuda_.images, cuda_.labels, seeds, nullptr}).images;
    EXPECT_TRUE(adv_cuda.is_cuda()) << spec;
    EXPECT_NEAR(test::accuracy(*cuda_.classifier, adv_cuda, cuda_.labels),
                test::accuracy(*cpu_.classifier, adv_cpu, cpu_.labels), 0.005)
        << spec;
  }
}

// Every image attack family runs on the device (no CPU tensor mixed into its arithmetic): its result
// stays on the GPU, in [0,1], and robust accuracy is within 2 points of the CPU run with the same
// seeds (score-based attacks take different branches once scores differ in the last bits).
TEST_F(CudaAgreement, EveryImageAttackRunsOnTheDevice) {
  const std::vector<std::uint64_t> seeds(kImages, 11);
  for (const char* spec :
       {"bim:eps=4/255,steps=5", "pgd:eps=1,norm=l2,steps=5", "mim:eps=4/255,steps=5", "dim:eps=4/255,steps=5",
        "apgd_dlr:eps=4/255,steps=5,targeted=true,target_classes=2", "apgd_ce:eps=1,norm=l2,steps=5",
        "square:eps=8/255,queries=100", "square:eps=1,norm=l2,queries=100", "nes:eps=8/255,steps=5,samples=20",
        "spsa:eps=8/255,steps=5,samples=20", "transfer:source=(mini_clip),attack=(pgd:eps=4/255,steps=5)",
        "fab:eps=4/255,steps=5", "fab:eps=1,norm=l2,steps=5", "cw_l2:steps=20", "deepfool:steps=20,eps=3",
        "autoattack:eps=4/255,steps=5,target_classes=2,square_queries=50",
        "min_eps:attack=(pgd:steps=5),grid=[2/255,8/255],tolerance=1/255"}) {
    at::Tensor adv_cuda =
        cuda_host_.create_attack(parse_spec(spec))->perturb(*cuda_.classifier, {cuda_.images, cuda_.labels, seeds, nullptr}).images;
    at::Tensor adv_cpu =
        cpu_host_.create_attack(parse_spec(spec))->perturb(*cpu_.classifier, {cpu_.images, cpu_.labels, seeds, nullptr}).images;
    EXPECT_TRUE(adv_cuda.is_cuda()) << spec;
    EXPECT_GE(adv_cuda.min().item<double>(), 0.0) << spec;
    EXPECT_LE(adv_cuda.max().item<double>(), 1.0) << spec;
    EXPECT_NEAR(test::accuracy(*cuda_.classifier, adv_cuda, cuda_.labels),
                test::accuracy(*cpu_.classifier, adv_cpu, cpu_.labels), 0.02)
        << spec;
  }
}

TEST(CudaPrecision, Bf16Top1IsWithinHalfAPointOfFp32) {
  test::ZeroShotPair pair("cuda", core::Precision::fp32, "cuda", core::Precision::bf16, 4 * kImages);
  const test::TrainedZeroShot &fp32 = pair.a, &bf16 = pair.b;
  c10::NoGradGuard no_grad;
  EXPECT_EQ(bf16.model->encode_image(bf16.images.slice(0, 0, 4)).scalar_type(), at::kBFloat16);
  EXPECT_NEAR(test::accuracy(*bf16.classifier, bf16.images, bf16.labels),
              test::accuracy(*fp32.classifier, fp32.images, fp32.labels), 0.005);
}

// Bytes of every copy between different devices while alive (aten::copy_ with self and src on two
// devices: .cpu(), .to(device), .item() of a tensor on the GPU go through it or _local_scalar_dense).
class CrossDeviceCopies {
 public:
  CrossDeviceCopies()
      : handle_(at::addThreadLocalCallback(
            at::RecordFunctionCallback(
                [](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
                  const std::string_view name = fn.name();
                  if (name == "aten::_local_scalar_dense") ++scalars();
                  if (name != "aten::copy_") return nullptr;
                  const auto inputs = fn.inputs();
                  if (inputs.size() < 2 || !inputs[0].isTensor() || !inputs[1].isTensor()) return nullptr;
                  const at::Tensor& dst = inputs[0].toTensor();
                  const at::Tensor& src = inputs[1].toTensor();
                  if (dst.device() != src.device()) sizes().push_back(src.nbytes());
                  return nullptr;
                })
                .needsInputs(true))) {
    sizes().clear();
    scalars() = 0;
  }
  ~CrossDeviceCopies() { at::removeCallback(handle_); }
  // Copies of at least `bytes`.
  static std::size_t at_least(std::size_t bytes) {
    return static_cast<std::size_t>(std::count_if(sizes().begin(), sizes().end(), [&](std::size_t b) { return b >= bytes; }));
  }
  static std::vector<std::size_t>& sizes() {
    static std::vector<std::size_t> s;
    return s;
  }
  static std::size_t& scalars() {
    static std::size_t n = 0;
    return n;
  }

 private:
  at::CallbackHandle handle_;
};

// Per step an attack may bring a few flags or indices to the host (early stopping: which points are
// fooled), never images, gradients or logits: the count of image-sized copies is the same for 5 and
// for 10 steps (the random start is drawn once per restart, before the loop).
TEST_F(CudaAgreement, AttackLoopsCopyNothingImageSizedPerStep) {
  const std::vector<std::uint64_t> seeds(kImages, 7);
  const std::size_t image_bytes = static_cast<std::size_t>(cuda_.images[0].nbytes());
  for (const char* name : {"pgd", "apgd_ce", "mim"}) {
    std::size_t big[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
      const std::string spec = std::string(name) + ":eps=1/255,steps=" + std::to_string(5 * (k + 1));
      auto attack = cuda_host_.create_attack(parse_spec(spec));
      CrossDeviceCopies copies;
      attack->perturb(*cuda_.classifier, {cuda_.images, cuda_.labels, seeds, nullptr});
      big[k] = CrossDeviceCopies::at_least(image_bytes);
    }
    EXPECT_EQ(big[1], big[0]) << name << ": image-sized host/device copies grow with the steps";
  }
}

}  // namespace
}  // namespace roz
