#include "test_env.hpp"

#include <c10/core/GradMode.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <unistd.h>

#include "roz/core/dataset_lookup.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/model.hpp"
#include "roz/spec.hpp"

namespace roz::test {

namespace {

// The tests run with the thread setup roz itself makes (tools/roz/main.cpp): at::set_num_threads
// also turns MKL's dynamic thread count off. Left on, a BLAS call may take fewer threads when the
// machine is busy and round differently, and an attack run twice (cw_l2, whose Adam steps carry
// every last bit forward) need not repeat bit for bit.
class RozThreads final : public testing::Environment {
 public:
  void SetUp() override { at::set_num_threads(at::get_num_threads()); }
};

[[maybe_unused]] testing::Environment* const kRozThreads = testing::AddGlobalTestEnvironment(new RozThreads);

}  // namespace

std::filesystem::path fresh_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

const core::Registry& builtin_registry() {
  static const core::Registry registry = core::Registry::discover({ROZ_TEST_PLUGIN_DIR});
  return registry;
}

ImageBatch load_cifar(std::size_t per_class, std::size_t offset) {
  std::unique_ptr<datasets::Dataset> dataset = datasets::read_image_folder(ROZ_TEST_CIFAR_DIR);
  std::vector<datasets::SampleInfo> picked =
      offset > 0 ? datasets::split_per_class(dataset->samples(), offset).rest : dataset->samples();
  picked = datasets::split_per_class(picked, per_class).first;
  ImageBatch out;
  std::vector<std::int64_t> labels;
  for (const auto& s : picked) {
    out.images.push_back(dataset->load(s));
    labels.push_back(s.label);
  }
  out.tensor = core::to_tensor(out.images);
  out.labels = at::tensor(labels, at::kLong);
  return out;
}

std::shared_ptr<core::ZeroShotClassifier> tiny_classifier(core::PluginHost& host, std::size_t support_per_class) {
  std::shared_ptr<Model> model =
      host.create_model(parse_spec(std::string("torchscript:path=") + ROZ_TEST_TINY_MODEL + ",resolution=32"));
  ImageBatch support = load_cifar(support_per_class);
  auto head = core::ZeroShotHead::from_support_images(*model, support.tensor, support.labels, 10, 64);
  return std::make_shared<core::ZeroShotClassifier>(model, head);
}

TrainedZeroShot mini_clip_fashion_mnist(core::PluginHost& host, std::size_t n) {
  std::unique_ptr<datasets::Dataset> data = datasets::open_dataset("fashion-mnist", core::dataset_manifest_dirs());
  TrainedZeroShot out;
  out.model = host.create_model(parse_spec("mini_clip"));
  out.prompts = {data->class_names(), data->templates()};
  out.classifier = host.create_classifier(out.model, out.prompts);
  std::vector<cv::Mat> images;
  std::vector<std::int64_t> labels;
  for (const auto& s : data->samples()) {
    if (images.size() == n) break;
    images.push_back(core::resize_center_crop(data->load(s), out.model->preprocessing()));
    labels.push_back(s.label);
  }
  out.images = core::to_tensor(images).to(host.device());
  out.labels = at::tensor(labels, at::kLong).to(host.device());
  return out;
}

double accuracy(Classifier& classifier, const at::Tensor& images, const at::Tensor& labels) {
  c10::NoGradGuard no_grad;
  return classifier.logits(images).argmax(1).eq(labels).to(at::kDouble).mean().item<double>();
}

std::map<std::string, double> condition_values(const core::Results& results, std::size_t i) {
  std::map<std::string, double> out;
  if (i >= results.conditions.size()) {
    ADD_FAILURE() << "condition " << i << " did not finish (" << results.conditions.size() << " finished, "
                  << results.unfinished.size() << " not)";
    return out;
  }
  for (const core::StoredSummary& r : results.rows)
    if (r.scope == "condition" && r.condition_id == results.conditions[i].id) out[r.value.name] = r.value.value;
  return out;
}

double top1(const core::Results& results, std::size_t i) {
  const std::map<std::string, double> values = condition_values(results, i);
  if (auto it = values.find("top1"); it != values.end()) return it->second;
  ADD_FAILURE() << "no top1 in condition " << i;
  return -1;
}

}  // namespace roz::test
