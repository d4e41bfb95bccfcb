// Robust fine-tuning in roz train, at CI size, from the embedded mini-CLIP on the real Fashion-MNIST:
// adversarial (image, text) and perturbation-robust objectives lower their loss and do what they
// are for on held-out test images; parameter selection freezes what it should; a run interrupted
// inside an epoch resumes to the same weights; bad options are named errors.
#include <c10/core/GradMode.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "parameter_roles.hpp"  // plugins/models/torchscript
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/trainer.hpp"
#include "roz/corruption.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"
#include "training/captions.hpp"  // core/src, through roz_core_internal
#include "training/objective.hpp"
#include "training/perturbation_sampler.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

fs::path robust_dir(const std::string& name) {
  return test::fresh_dir("roz_robust_" + name);
}

// A few steps from the embedded weights: 2 epochs of 4 batches of 128 training images.
core::TrainOptions finetune(const fs::path& out, const std::string& objective) {
  core::TrainOptions o;
  o.model = parse_spec("mini_clip");
  o.objective = objective;
  o.limit = 512;
  o.epochs = 2;
  o.batch_size = 128;
  o.lr = 1e-4;
  o.warmup_fraction = 0;
  o.lr_schedule = "constant";
  o.seed = 3;
  o.out = out;
  return o;
}

// Clean and attacked top-1 of a model on the first 128 Fashion-MNIST test images.
std::pair<double, double> clean_and_attacked(core::PluginHost& host, const std::string& model,
                                             const std::string& attack) {
  core::EvalOptions o;
  o.model = parse_spec(model);
  o.dataset = "fashion-mnist";
  o.limit = 128;
  o.batch_size = 128;
  o.attacks = {parse_spec(attack)};
  o.prompt_attack_points = 128;
  const core::Results r = core::evaluate(host, o);
  EXPECT_EQ(r.conditions.size(), 2u);
  return {test::top1(r, 0), test::top1(r, 1)};
}

TEST(RobustFinetuning, ImageAdversarialTrainingLowersItsLossAndKeepsRobustAccuracy) {
  fs::path dir = robust_dir("image");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::TrainOptions o = finetune(dir / "adv.pt", "adversarial");
  o.adversarial = "image";
  o.image_attack = "pgd:eps=4/255,steps=3";
  o.lr = 3e-4;
  core::TrainReport r = core::train(host, o);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_LT(r.epochs[1].mean_loss, r.epochs[0].mean_loss);

  const std::string pgd = "pgd:eps=4/255,steps=10";  // the trained eps
  auto [clean_before, robust_before] = clean_and_attacked(host, "mini_clip", pgd);
  auto [clean_after, robust_after] = clean_and_attacked(host, "mini_clip:weights=" + (dir / "adv.pt").string(), pgd);
  EXPECT_GE(robust_after, robust_before) << "clean " << clean_before << " -> " << clean_after;
  EXPECT_GT(clean_after, 0.6);  // still a classifier (10 classes)

  // The configuration next to the weights names the resolved attack and weights.
  nlohmann::json config = nlohmann::json::parse(std::ifstream(dir / "adv.pt.json")).at("config");
  EXPECT_EQ(config.at("objective"), "adversarial");
  EXPECT_EQ(config.at("adversarial").at("adversarial"), "image");
  EXPECT_NE(config.at("adversarial").at("image_attack").get<std::string>().find("pgd:eps=0.01568"), std::string::npos);
  EXPECT_EQ(config.at("adversarial").at("text_weight"), 0.5);
}

TEST(RobustFinetuning, TextAdversarialTrainingLowersItsLoss) {
  fs::path dir = robust_dir("text");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::TrainOptions o = finetune(dir / "adv.pt", "adversarial");
  o.adversarial = "text";
  o.text_attack = "word_substitution:k=1,substitutes=5";
  core::TrainReport r = core::train(host, o);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_LT(r.epochs[1].mean_loss, r.epochs[0].mean_loss);
  auto [clean_before, attacked_before] = clean_and_attacked(host, "mini_clip", "word_substitution:k=1,substitutes=5");
  auto [clean_after, attacked_after] =
      clean_and_attacked(host, "mini_clip:weights=" + (dir / "adv.pt").string(), "word_substitution:k=1,substitutes=5");
  EXPECT_GE(attacked_after, attacked_before) << "clean " << clean_before << " -> " << clean_after;
}

// Mean cos(f(x), f(P(x))) over the first 128 test images, P = JPEG at quality 20.
double jpeg_cosine(core::PluginHost& host, const std::string& model_spec) {
  auto model = host.create_model(parse_spec(model_spec));
  auto jpeg = host.create_corruption(parse_spec("jpeg_compression:quality=20"));
  auto data = datasets::open_dataset("fashion-mnist", core::dataset_manifest_dirs());
  std::vector<cv::Mat> clean, perturbed;
  for (const auto& s : data->samples()) {
    if (clean.size() == 128) break;
    clean.push_back(core::resize_center_crop(data->load(s), Preprocessing{.resolution = 28}));
    perturbed.push_back(jpeg->apply(CorruptionInput{clean.back(), 0, -1, {}, ""}).image);
  }
  c10::NoGradGuard no_grad;
  at::Tensor a = model->encode_image(core::to_tensor(clean)), b = model->encode_image(core::to_tensor(perturbed));
  return at::cosine_similarity(a, b, 1).mean().item<double>();
}

TEST(RobustFinetuning, PerturbationFinetuningMakesEmbeddingsStableUnderJpeg) {
  fs::path dir = robust_dir("perturbation");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::TrainOptions o = finetune(dir / "jpeg.pt", "perturbation");
  o.perturbation = "jpeg_compression:quality=10..50";
  o.trainable = "image";
  o.lr = 3e-4;
  core::TrainReport r = core::train(host, o);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_LT(r.epochs[1].mean_loss, r.epochs[0].mean_loss);
  const double before = jpeg_cosine(host, "mini_clip");
  const double after = jpeg_cosine(host, "mini_clip:weights=" + (dir / "jpeg.pt").string());
  EXPECT_GT(after, before);
  nlohmann::json config = nlohmann::json::parse(std::ifstream(dir / "jpeg.pt.json")).at("config");
  EXPECT_EQ(config.at("perturbation").at("perturbation"), "jpeg_compression:severity=1,variant=auto,quality=10..50");
}

// The perturbation objective's loss on one batch is its definition, computed here from the model's
// own embeddings: -mean cos(f'(x), f'(P(x))) - lambda mean cos(f(x), f'(x)), f the frozen start.
TEST(RobustFinetuning, PerturbationLossIsItsDefinition) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  const core::ResolvedPlugin plugin = host.resolve(PluginKind::model, parse_spec("mini_clip"));
  std::shared_ptr<Model> model = host.create_model(plugin);
  model->set_training(false);
  auto data = datasets::open_dataset("fashion-mnist", core::dataset_manifest_dirs());
  core::Captions captions(model.get(), {data->class_names(), data->templates()});
  core::TrainOptions o;
  o.objective = "perturbation";
  o.perturbation = "jpeg_compression:quality=20";  // no range: every image gets the same
  o.lambda = 0.5;
  at::Tensor log_scale = at::zeros({});
  std::unique_ptr<core::TrainObjective> objective =
      core::make_objective(core::ObjectiveContext{host, model, plugin, captions, log_scale, o});

  core::TrainBatch batch;
  auto jpeg = host.create_corruption(parse_spec(o.perturbation));
  std::vector<cv::Mat> perturbed;
  for (const auto& s : data->samples()) {
    if (batch.images.size() == 16) break;
    batch.ids.push_back(s.id);
    batch.images.push_back(core::resize_center_crop(data->load(s), Preprocessing{.resolution = 28}));
    batch.labels.push_back(s.label);
    batch.templates.push_back(0);
    batch.seeds.push_back(batch.seeds.size() + 1);
    perturbed.push_back(jpeg->apply(CorruptionInput{batch.images.back(), 0, -1, {}, ""}).image);
  }
  batch.pixels = core::to_tensor(batch.images);
  const at::Tensor moved_pixels = core::to_tensor(perturbed);
  auto embed = [&](const at::Tensor& pixels) {
    c10::NoGradGuard no_grad;
    at::Tensor e = model->encode_image(pixels);
    return e / e.norm(2, 1, true);
  };
  auto cosine = [](const at::Tensor& a, const at::Tensor& b) { return (a * b).sum(1).mean().item<double>(); };

  // At the start f' = f: the pull term is -lambda exactly.
  const at::Tensor original = embed(batch.pixels);
  EXPECT_NEAR(objective->loss(batch).item<double>(), -cosine(original, embed(moved_pixels)) - o.lambda, 1e-5);

  // Moved away from f, both terms change.
  {
    c10::NoGradGuard no_grad;
    at::manual_seed(5);
    for (ModelParameter& p : model->trainable_parameters())
      if (p.tower == ModelParameter::Tower::image) p.tensor.add_(at::randn_like(p.tensor) * 0.02);
  }
  const at::Tensor clean = embed(batch.pixels);
  const double pull = cosine(original, clean);
  ASSERT_LT(pull, 0.999) << "the parameters did not move the embeddings";
  EXPECT_NEAR(objective->loss(batch).item<double>(), -cosine(clean, embed(moved_pixels)) - o.lambda * pull, 1e-5);
}

std::vector<at::Tensor> tensors(core::PluginHost& host, const std::string& spec) {
  std::vector<at::Tensor> out;
  for (const ModelParameter& p : host.create_model(parse_spec(spec))->trainable_parameters()) out.push_back(p.tensor);
  return out;
}

TEST(RobustFinetuning, OnlySelectedParametersChange) {
  fs::path dir = robust_dir("select");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  auto base = host.create_model(parse_spec("mini_clip"))->trainable_parameters();
  for (const std::string selection : {"last:1", "projection", "text"}) {
    core::TrainOptions o = finetune(dir / "m.pt", "contrastive");
    o.epochs = 1;
    o.limit = 256;
    o.lr = 1e-3;
    o.trainable = selection;
    fs::remove_all(dir / "m.pt.checkpoints");
    core::TrainReport r = core::train(host, o);
    auto after = tensors(host, "mini_clip:weights=" + (dir / "m.pt").string());
    ASSERT_EQ(after.size(), base.size());
    std::int64_t changed = 0;
    for (size_t i = 0; i < base.size(); ++i) {
      const ModelParameter& p = base[i];
      const bool selected = selection == "last:1" ? p.name.rfind("conv3", 0) == 0 || p.name.rfind("image_proj", 0) == 0
                            : selection == "projection" ? p.projection
                                                        : p.tower == ModelParameter::Tower::text;
      if (selected) {
        changed += p.tensor.numel();
      } else {
        EXPECT_TRUE(at::equal(p.tensor, after[i])) << selection << " changed " << p.name;
      }
    }
    EXPECT_EQ(r.trained_parameters, changed) << selection;
    EXPECT_GT(changed, 0);
  }
  core::TrainOptions o = finetune(dir / "m.pt", "contrastive");
  o.trainable = "last:4";
  EXPECT_THROW(core::train(host, o), SpecError);  // 3 convolution stages
  o.trainable = "decoder";
  EXPECT_THROW(core::train(host, o), SpecError);
}

// The TorchScript plugin trains too: adversarial fine-tuning of a scripted CLIP-like archive's image
// tower writes an archive the plugin loads, with the image tower changed and the text tower not.
TEST(RobustFinetuning, TorchScriptModelsFineTuneTheSelectedTower) {
  fs::path dir = robust_dir("torchscript");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  const std::string spec = std::string("torchscript:resolution=32,path=") + ROZ_TEST_FIXTURE_DIR + "/clip_like_fp32.pt";
  core::TrainOptions o = finetune(dir / "ts.pt", "adversarial");
  o.model = parse_spec(spec);
  o.trainable = "image";
  o.limit = 64;
  o.epochs = 1;
  o.batch_size = 32;
  o.lr = 1e-3;
  o.image_attack = "pgd:eps=4/255,steps=2";
  o.text_attack = "word_substitution:k=1,substitutes=3";
  core::train(host, o);
  auto before = host.create_model(parse_spec(spec))->trainable_parameters();
  auto after = host.create_model(parse_spec("torchscript:resolution=32,path=" + (dir / "ts.pt").string()))
                   ->trainable_parameters();
  ASSERT_EQ(before.size(), after.size());
  int image_changed = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    const bool same = at::equal(before[i].tensor, after[i].tensor);
    if (before[i].tower == ModelParameter::Tower::image) {
      image_changed += same ? 0 : 1;
    } else {
      EXPECT_TRUE(same) << before[i].name;
    }
  }
  EXPECT_GT(image_changed, 3);
}

TEST(RobustFinetuning, InterruptedInsideAnEpochResumesToTheSameWeights) {
  fs::path dir = robust_dir("resume");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::TrainOptions straight = finetune(dir / "straight.pt", "perturbation");
  straight.epochs = 1;
  straight.limit = 768;  // 6 steps
  straight.checkpoint_every = 2;
  core::train(host, straight);

  core::TrainOptions broken = straight;
  broken.out = dir / "resumed.pt";
  broken.on_step = [&](std::int64_t step) {
    if (step == 3) host.cancellation().cancel();
  };
  EXPECT_THROW(core::train(host, broken), Error);
  EXPECT_TRUE(fs::exists(dir / "resumed.pt.checkpoints" / "step-00000004.json"));
  EXPECT_FALSE(fs::exists(dir / "resumed.pt.checkpoints" / "step-00000002.json"));  // superseded
  core::PluginHost fresh_host(test::builtin_registry(), 0, 2);
  core::TrainOptions resumed = straight;
  resumed.out = dir / "resumed.pt";
  resumed.resume = true;
  core::TrainOptions changed = resumed;
  changed.lambda = 2;
  EXPECT_THROW(core::train(fresh_host, changed), SpecError);  // another run's checkpoints
  core::TrainReport r = core::train(fresh_host, resumed);
  EXPECT_EQ(r.resumed_from, 4);
  try {  // a fresh run never mixes its checkpoints with an earlier run's
    core::train(fresh_host, straight);
    ADD_FAILURE() << "a second run over existing checkpoints started";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoints of an earlier run"), std::string::npos) << e.what();
  }
  auto a = tensors(fresh_host, "mini_clip:weights=" + (dir / "straight.pt").string());
  auto b = tensors(fresh_host, "mini_clip:weights=" + (dir / "resumed.pt").string());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(at::equal(a[i], b[i])) << "parameter " << i;
}

TEST(RobustFinetuning, BadOptionsAreNamedErrors) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  fs::path dir = robust_dir("errors");
  auto message = [&](core::TrainOptions o) {
    try {
      core::train(host, o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  core::TrainOptions o = finetune(dir / "m.pt", "adversarial");
  o.adversarial = "audio";
  EXPECT_NE(message(o).find("adversarial mode 'audio'"), std::string::npos);
  o = finetune(dir / "m.pt", "adversarial");
  o.text_attack = "pgd";
  EXPECT_NE(message(o).find("not a text-prompt attack"), std::string::npos) << message(o);
  o = finetune(dir / "m.pt", "robust");
  EXPECT_NE(message(o).find("objective 'robust'"), std::string::npos);
  o = finetune(dir / "m.pt", "perturbation");
  o.perturbation = "jpeg_compression:quality=90..10";
  EXPECT_NE(message(o).find("lo <= hi"), std::string::npos);
  o.perturbation = "jpeg_compression:quality=0..50";  // quality starts at 1
  EXPECT_NE(message(o).find("quality"), std::string::npos) << message(o);
  o.perturbation = "jpeg_compression:quality=10.5..50";
  EXPECT_NE(message(o).find("integer"), std::string::npos);
  o.trainable = "text";  // the perturbation loss depends on the image tower only
  o.perturbation = "jpeg_compression:quality=10..50";
  EXPECT_NE(message(o).find("no parameter the loss depends on"), std::string::npos) << message(o);
  o = finetune(dir / "m.pt", "contrastive");
  o.lr_schedule = "step";
  EXPECT_NE(message(o).find("lr_schedule 'step'"), std::string::npos);
}

TEST(PerturbationSampler, DrawsEachImagesParametersWithinTheRangeFromItsSeed) {
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::PerturbationSampler sampler(host, "jpeg_compression:quality=5..6");
  EXPECT_EQ(sampler.description(), "jpeg_compression:severity=1,variant=auto,quality=5..6");
  test::ImageBatch batch = test::load_cifar(2);
  std::vector<std::uint64_t> seeds;
  std::vector<std::int64_t> labels(batch.images.size(), 0);
  std::vector<std::string> ids;
  for (size_t i = 0; i < batch.images.size(); ++i) {
    seeds.push_back(1000 + i);
    ids.push_back(std::to_string(i));
  }
  auto first = sampler.apply(batch.images, seeds, labels, ids, {});
  auto again = sampler.apply(batch.images, seeds, labels, ids, {});
  auto q5 = host.create_corruption(parse_spec("jpeg_compression:quality=5"));
  auto q6 = host.create_corruption(parse_spec("jpeg_compression:quality=6"));
  int fives = 0, sixes = 0;
  for (size_t i = 0; i < first.size(); ++i) {
    ASSERT_FALSE(first[i].skipped);
    EXPECT_EQ(cv::norm(first[i].image, again[i].image, cv::NORM_INF), 0) << "image " << i;
    if (cv::norm(first[i].image, q5->apply(CorruptionInput{batch.images[i], 0, -1, {}, ""}).image, cv::NORM_INF) == 0)
      ++fives;
    if (cv::norm(first[i].image, q6->apply(CorruptionInput{batch.images[i], 0, -1, {}, ""}).image, cv::NORM_INF) == 0)
      ++sixes;
  }
  EXPECT_EQ(fives + sixes, static_cast<int>(first.size()));  // each is quality 5 or 6, nothing else
  EXPECT_GT(fives, 0);
  EXPECT_GT(sixes, 0);
  // A plugin with a required parameter (compose's steps) is checked with the parameters given.
  core::PerturbationSampler composed(host, "compose:steps=(brightness:severity=2;jpeg_compression:quality=30)");
  EXPECT_EQ(composed.apply(batch.images, seeds, labels, ids, {}).size(), batch.images.size());
}

TEST(ParameterRoles, TorchScriptNamesOfOpenAiOpenClipAndHuggingFaceModels) {
  using Tower = ModelParameter::Tower;
  struct Case {
    const char* name;
    Tower tower;
    int block;
    bool projection;
  };
  constexpr int before = ModelParameter::kBeforeBlocks, after = ModelParameter::kAfterBlocks;
  for (const Case& c :
       {Case{"visual.conv1.weight", Tower::image, before, false},
        Case{"visual.transformer.resblocks.11.attn.out_proj.weight", Tower::image, 11, false},
        Case{"visual.ln_post.weight", Tower::image, after, false}, Case{"visual.proj", Tower::image, after, true},
        Case{"visual.layer3.2.conv1.weight", Tower::image, 2, false},
        Case{"visual.attnpool.c_proj.weight", Tower::image, after, true},
        Case{"towers.0.transformer.resblocks.4.mlp.c_proj.weight", Tower::text, 4, false},
        Case{"towers.0.token_embedding.weight", Tower::text, before, false},
        Case{"towers.0.text_projection", Tower::text, after, true},
        Case{"towers.0.logit_scale", Tower::shared, before, false},
        Case{"towers.0.vision_model.encoder.layers.7.self_attn.q_proj.weight", Tower::image, 7, false},
        Case{"towers.0.visual_projection.weight", Tower::image, after, true},
        Case{"towers.0.text_model.final_layer_norm.bias", Tower::text, after, false},
        Case{"proj", Tower::image, after, true}}) {
    ModelParameter p{c.name, {}};
    torchscript::assign_role(p);
    EXPECT_EQ(p.tower, c.tower) << c.name;
    EXPECT_EQ(p.block, c.block) << c.name;
    EXPECT_EQ(p.projection, c.projection) << c.name;
  }
}

}  // namespace
}  // namespace roz
