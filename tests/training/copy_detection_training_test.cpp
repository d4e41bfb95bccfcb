// roz train --objective copy_detection and the copy_detector model plugin: the loss is SSCD's
// definition (InfoNCE between each image and its edited copy, plus KoLeo), a short run teaches a
// random network to find copies among look-alikes, the embedded weights find them on held-out
// Fashion-MNIST test images, and what cannot work is a named error.
#include <c10/core/GradMode.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>

#include "roz/core/copy_edits.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/trainer.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/seed.hpp"
#include "test_env.hpp"
#include "training/captions.hpp"  // core/src, through roz_core_internal
#include "training/objective.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

// The first n Fashion-MNIST test images at the copy detector's 64 px, with ids and per-image seeds.
core::TrainBatch test_batch(std::size_t n, std::size_t skip = 0) {
  auto data = datasets::open_dataset("fashion-mnist", core::dataset_manifest_dirs());
  core::TrainBatch b;
  const auto samples = data->samples();
  for (std::size_t i = skip; i < skip + n; ++i) {
    b.ids.push_back(samples[i].id);
    b.decoded.push_back(data->load(samples[i]));
    b.images.push_back(core::resize_center_crop(b.decoded.back(), Preprocessing{.resolution = 64}));
    b.labels.push_back(samples[i].label);
    b.templates.push_back(0);
    b.seeds.push_back(derive_seed(7, "test", samples[i].id));
  }
  b.pixels = core::to_tensor(b.images);
  return b;
}

// Each image's copy as the objective makes it: edited as decoded, then resized for the model.
at::Tensor copies_of(core::PluginHost& host, const core::TrainBatch& b) {
  std::vector<cv::Mat> copies;
  for (std::size_t i = 0; i < b.images.size(); ++i)
    copies.push_back(core::resize_center_crop(
        core::apply_copy_edit(host, core::draw_copy_edit(derive_seed(b.seeds[i], "copy-edit", b.ids[i])), b.decoded[i],
                              b.ids[i]),
        Preprocessing{.resolution = 64}));
  return core::to_tensor(copies);
}

at::Tensor unit_rows(Model& model, const at::Tensor& pixels) {
  c10::NoGradGuard no_grad;
  at::Tensor e = model.encode_image(pixels);
  return e / e.norm(2, 1, true);
}

// One global threshold on the cosine, as an audit uses it: each image's own copy is a positive, its
// nearest other image of the set (an original or another copy) a negative. The most positives a
// threshold keeps with precision >= 0.99: what separating copies from look-alikes means.
double recall_at_precision_99(Model& model, const at::Tensor& originals, const at::Tensor& copies) {
  const at::Tensor a = unit_rows(model, originals), b = unit_rows(model, copies);
  at::Tensor to_copies = at::matmul(a, b.t());
  const at::Tensor own = to_copies.diagonal().clone();
  at::Tensor to_others = at::matmul(a, a.t()).fill_diagonal_(-2.0);
  const at::Tensor nearest_other =
      at::maximum(std::get<0>(to_copies.fill_diagonal_(-2.0).max(1)), std::get<0>(to_others.max(1)));
  std::vector<std::pair<float, bool>> scored;
  for (std::int64_t i = 0; i < own.size(0); ++i) {
    scored.emplace_back(own[i].item<float>(), true);
    scored.emplace_back(nearest_other[i].item<float>(), false);
  }
  std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  double tp = 0, fp = 0, best = 0;
  for (const auto& [score, positive] : scored) {
    (positive ? tp : fp) += 1;
    if (tp / (tp + fp) >= 0.99) best = std::max(best, tp / static_cast<double>(own.size(0)));
  }
  return best;
}

// The objective's loss on one batch equals SSCD's definition computed here from the model's own
// embeddings: InfoNCE over the 2N views (each view's positive its other view, tau = 0.05) plus
// entropy_weight x KoLeo over the originals.
TEST(CopyDetectionObjective, LossIsInfoNceBetweenImageAndCopyPlusKoLeo) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  const core::ResolvedPlugin plugin =
      host.resolve(PluginKind::model, parse_spec("copy_detector:weights=random,seed=4"));
  std::shared_ptr<Model> model = host.create_model(plugin);
  core::Captions captions(nullptr, {{"a", "b"}, {"{}"}});
  core::TrainOptions o;
  o.objective = "copy_detection";
  o.entropy_weight = 2.5;
  at::Tensor no_scale;
  auto objective = core::make_objective(core::ObjectiveContext{host, model, plugin, captions, no_scale, o});

  const core::TrainBatch batch = test_batch(12);
  const at::Tensor z = at::cat({unit_rows(*model, batch.pixels), unit_rows(*model, copies_of(host, batch))});
  const std::int64_t n = 12;
  double info_nce = 0;
  for (std::int64_t v = 0; v < 2 * n; ++v) {
    const std::int64_t positive = (v + n) % (2 * n);
    double denominator = 0;
    for (std::int64_t u = 0; u < 2 * n; ++u)
      if (u != v) denominator += std::exp((z[v] * z[u]).sum().item<double>() / 0.05);
    info_nce += -((z[v] * z[positive]).sum().item<double>() / 0.05 - std::log(denominator));
  }
  info_nce /= static_cast<double>(2 * n);
  double koleo = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double nearest = 1e9;
    for (std::int64_t j = 0; j < n; ++j)
      if (j != i) nearest = std::min(nearest, (z[i] - z[j]).norm().item<double>());
    koleo -= std::log(nearest);
  }
  koleo /= static_cast<double>(n);
  EXPECT_NEAR(objective->loss(batch).item<double>(), info_nce + 2.5 * koleo, 2e-3 * (1 + std::abs(info_nce)));
}

// A random network trained for 48 steps on 3,072 training images separates held-out test images'
// copies from their look-alikes at one threshold better than before training (a random CNN with GeM
// pooling is already a fair copy detector: 0.72 of 1,000 here).
TEST(CopyDetectionTraining, ShortTrainingTeachesARandomNetworkToFindCopies) {
  const fs::path dir = test::fresh_dir("roz_copy_detection_training");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::TrainOptions o;
  o.model = parse_spec("copy_detector:weights=random,seed=1");
  o.objective = "copy_detection";
  o.dataset = "fashion-mnist-train";
  o.limit = 3072;
  o.epochs = 2;
  o.batch_size = 128;
  o.seed = 5;
  o.out = dir / "cd.pt";
  const core::TrainReport report = core::train(host, o);
  ASSERT_EQ(report.epochs.size(), 2u);
  EXPECT_LT(report.epochs[1].mean_loss, report.epochs[0].mean_loss);

  const core::TrainBatch held_out = test_batch(1000, 1000);
  const at::Tensor copies = copies_of(host, held_out);
  auto before = host.create_model(parse_spec("copy_detector:weights=random,seed=1"));
  auto after = host.create_model(parse_spec("copy_detector:weights=" + o.out.string()));
  const double untrained = recall_at_precision_99(*before, held_out.pixels, copies);
  const double trained = recall_at_precision_99(*after, held_out.pixels, copies);
  EXPECT_GT(trained, untrained + 0.03) << "untrained " << untrained;  // measured 0.775 against 0.720
}

// The embedded weights (docs/overlap.md has how they were trained) on 500 test images they never
// saw: each image's copy against its nearest look-alike among the others, at one threshold.
TEST(CopyDetector, DefaultWeightsFindHeldOutCopiesAmongLookAlikes) {
  core::PluginHost host(test::builtin_registry(), 0, 2);
  auto model = host.create_model(parse_spec("copy_detector"));
  const core::TrainBatch held_out = test_batch(500);
  const double found = recall_at_precision_99(*model, held_out.pixels, copies_of(host, held_out));
  EXPECT_GE(found, 0.84) << found;  // measured 0.874 (recall at precision 0.99 among the 500 and their copies)
}

TEST(CopyDetector, SavesLoadsAndRefusesWhatItCannotDo) {
  const fs::path dir = test::fresh_dir("roz_copy_detector_saveload");
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto a = host.create_model(parse_spec("copy_detector:weights=random,seed=1"));
  a->save((dir / "a.pt").string());
  auto b = host.create_model(parse_spec("copy_detector:weights=" + (dir / "a.pt").string()));
  EXPECT_EQ(a->content_hash(), b->content_hash());
  EXPECT_NE(host.create_model(parse_spec("copy_detector:weights=random,seed=2"))->content_hash(), a->content_hash());
  auto wider = host.create_model(parse_spec("copy_detector:weights=random,width=8"));
  EXPECT_THROW(wider->load((dir / "a.pt").string()), PluginCallError);
  EXPECT_THROW(a->encode_image(at::rand({1, 3, 28, 28})), PluginCallError);
  // Brightness and contrast cannot move it: the network standardises each image.
  const at::Tensor x = at::rand({2, 3, 64, 64});
  EXPECT_TRUE(at::allclose(unit_rows(*a, x), unit_rows(*a, x * 0.8 + 0.1), 1e-4, 1e-4));

  // An image descriptor has no text tower: a text objective and a zero-shot evaluation are named errors.
  core::TrainOptions o;
  o.model = parse_spec("copy_detector:weights=random");
  o.dataset = "fashion-mnist-train";
  o.limit = 256;
  o.epochs = 1;
  o.batch_size = 128;
  o.out = dir / "bad.pt";
  try {
    core::train(host, o);  // contrastive
    ADD_FAILURE() << "a contrastive run of an image descriptor was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no text tower"), std::string::npos) << e.what();
  }
  o.objective = "copy_detection";
  o.eval_dataset = "fashion-mnist";
  EXPECT_THROW(core::train(host, o), SpecError);
}

}  // namespace
}  // namespace roz
