// A dataset with corruption_input: imagenet_c is corrupted as ImageNet-C was made: torchvision's
// Resize(256) + CenterCrop(224) (bilinear) of the decoded image, the corruption at 224 px, then the
// model's own resize; the clean condition keeps the model's input.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "roz/core/condition_pipeline.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/corruption.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/model.hpp"
#include "roz/seed.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

std::vector<SampleRecord> records_of(core::PluginHost& host, const datasets::Dataset& dataset,
                                     std::shared_ptr<Model> model, std::shared_ptr<core::ZeroShotClassifier> classifier,
                                     core::Condition& condition, const std::vector<datasets::SampleInfo>& samples,
                                     core::PipelineSettings settings) {
  core::ConditionPipeline pipeline(host, dataset, std::move(model), std::move(classifier),
                                   core::dataset_prompts(dataset, {}), settings, [](const std::string&) {});
  std::vector<SampleRecord> out;
  pipeline.run(condition, samples, samples, [&](core::BatchOutcome& b) {
    for (SampleRecord& r : b.records) out.push_back(std::move(r));
  });
  return out;
}

TEST(CorruptionInput, ImageNetCInputIsCorruptedAt224ThenResizedForTheModel) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto dataset = datasets::open_dataset("fashion-mnist", core::dataset_manifest_dirs());
  const std::vector<datasets::SampleInfo> samples(dataset->samples().begin(), dataset->samples().begin() + 6);
  std::shared_ptr<Model> model = host.create_model(parse_spec("mini_clip"));
  const PromptSet prompts = core::dataset_prompts(*dataset, {});
  auto classifier =
      std::make_shared<core::ZeroShotClassifier>(model, core::ZeroShotHead::from_prompts(*model, prompts, 64));
  ConditionInfo base;
  base.model = "mini_clip";
  base.dataset = dataset->name();
  base.num_classes = 10;
  core::Condition condition = core::corruption_condition(host, parse_spec("jpeg_compression:severity=5"), base);
  core::PipelineSettings settings;
  settings.seed = 1;
  settings.batch_size = 4;
  settings.corruption_input = Preprocessing{.resolution = 224, .resize = 256, .interpolation = Interpolation::bilinear};
  const std::vector<SampleRecord> got = records_of(host, *dataset, model, classifier, condition, samples, settings);
  ASSERT_EQ(got.size(), samples.size());

  std::vector<cv::Mat> inputs;
  for (const datasets::SampleInfo& s : samples) {
    const cv::Mat imagenet_c = core::resize_center_crop(dataset->load(s), *settings.corruption_input);
    ASSERT_EQ(imagenet_c.size(), cv::Size(224, 224));
    CorruptionOutput out = condition.corruption->apply(
        {imagenet_c, derive_seed(settings.seed, condition.info.condition, s.id), s.label, prompts.class_names, s.id});
    inputs.push_back(core::resize_center_crop(out.image, model->preprocessing()));
  }
  c10::NoGradGuard no_grad;
  const at::Tensor want = classifier->logits(core::to_tensor(inputs));
  for (std::size_t i = 0; i < got.size(); ++i)
    for (std::size_t c = 0; c < got[i].logits.size(); ++c)
      EXPECT_NEAR(got[i].logits[c], want[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(c)].item<float>(),
                  1e-4)
          << got[i].sample_id;

  // Corrupting the model's own 28 px input is another measurement.
  settings.corruption_input.reset();
  const std::vector<SampleRecord> own = records_of(host, *dataset, model, classifier, condition, samples, settings);
  double largest = 0;
  for (std::size_t i = 0; i < own.size(); ++i)
    for (std::size_t c = 0; c < own[i].logits.size(); ++c)
      largest = std::max(largest, static_cast<double>(std::abs(own[i].logits[c] - got[i].logits[c])));
  EXPECT_GT(largest, 1e-2);
}

}  // namespace
}  // namespace roz
