// roz train on the real Fashion-MNIST (Debian's dataset-fashion-mnist), at CI size: the loss falls,
// zero-shot accuracy rises above chance, and a run interrupted and resumed ends with the same weights
// as an uninterrupted one.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>

#include "roz/core/evaluator.hpp"
#include "roz/core/trainer.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

core::TrainOptions tiny(const fs::path& out) {
  core::TrainOptions o;
  o.model = parse_spec("mini_clip:weights=random,seed=3");
  o.dataset = "fashion-mnist-train";
  o.eval_dataset = "fashion-mnist";
  o.eval_limit = 1000;
  o.limit = 6144;
  o.epochs = 2;
  o.batch_size = 128;
  o.lr = 3e-3;
  o.seed = 11;
  o.out = out;
  return o;
}

fs::path training_dir(const std::string& name) {
  return test::fresh_dir("roz_train_" + name);
}

std::vector<at::Tensor> weights_of(core::PluginHost& host, const fs::path& file) {
  std::vector<at::Tensor> out;
  for (const ModelParameter& p : host.create_model(parse_spec("mini_clip:weights=" + file.string()))->trainable_parameters())
    out.push_back(p.tensor);
  return out;
}

TEST(Training, LossFallsAndZeroShotAccuracyRisesAboveChance) {
  fs::path dir = training_dir("learns");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::TrainReport r = core::train(host, tiny(dir / "m.pt"));
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_LT(r.epochs[1].mean_loss, r.epochs[0].mean_loss);
  EXPECT_LT(r.epochs[1].mean_loss, std::log(128.0) - 0.5);  // well below knowing nothing (uniform over the batch)
  EXPECT_GT(r.epochs[1].eval_top1, 0.3);  // 10 classes: chance is 0.1
  EXPECT_TRUE(fs::exists(dir / "m.pt"));
  EXPECT_TRUE(fs::exists(dir / "m.pt.json"));
  EXPECT_TRUE(fs::exists(dir / "m.pt.checkpoints" / "step-00000096.json"));
}

TEST(Training, ResumedRunEndsWithTheSameWeights) {
  fs::path dir = training_dir("resume");
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::TrainOptions straight = tiny(dir / "straight.pt");
  straight.eval_dataset.clear();
  straight.limit = 2048;  // 16 steps an epoch
  core::train(host, straight);

  // Interrupted in the middle of epoch 2 (as a kill would), then resumed from epoch 1's checkpoint.
  core::TrainOptions broken = straight;
  broken.out = dir / "resumed.pt";
  broken.on_step = [&](std::int64_t step) {
    if (step == 20) host.cancellation().cancel();
  };
  EXPECT_THROW(core::train(host, broken), Error);
  EXPECT_FALSE(fs::exists(dir / "resumed.pt"));
  core::PluginHost fresh_host(test::builtin_registry(), 0, 2);
  core::TrainOptions resumed = straight;
  resumed.out = dir / "resumed.pt";
  resumed.resume = true;
  core::TrainReport r = core::train(fresh_host, resumed);
  EXPECT_EQ(r.resumed_from, 16);  // the end of epoch 1
  ASSERT_EQ(r.epochs.size(), 1u);

  auto a = weights_of(fresh_host, dir / "straight.pt"), b = weights_of(fresh_host, dir / "resumed.pt");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(at::equal(a[i], b[i])) << "parameter " << i;
}

TEST(MiniClip, SaveLoadRoundTripAndArchitectureCheck) {
  fs::path dir = training_dir("saveload");
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto a = host.create_model(parse_spec("mini_clip:weights=random,seed=1"));
  auto b = host.create_model(parse_spec("mini_clip:weights=random,seed=2"));
  a->save((dir / "a.pt").string());
  b->load((dir / "a.pt").string());
  auto pa = a->trainable_parameters(), pb = b->trainable_parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(at::equal(pa[i].tensor, pb[i].tensor));
  // The content hash follows the weights, not the archive bytes.
  EXPECT_EQ(a->content_hash(), b->content_hash());
  auto c = host.create_model(parse_spec("mini_clip:weights=" + (dir / "a.pt").string()));
  EXPECT_EQ(c->content_hash(), a->content_hash());
  EXPECT_NE(host.create_model(parse_spec("mini_clip:weights=random,seed=2"))->content_hash(), a->content_hash());
  auto other = host.create_model(parse_spec("mini_clip:weights=random,embed_dim=16"));
  EXPECT_THROW(other->load((dir / "a.pt").string()), PluginCallError);
  // Images in [0,1] at the model's resolution; gradients reach the pixels.
  at::Tensor x = at::rand({2, 3, 28, 28}).set_requires_grad(true);
  a->encode_image(x).sum().backward();
  EXPECT_GT(x.grad().abs().sum().item<double>(), 0.0);
  EXPECT_EQ(a->tokenize({"a photo of a bag."}).sizes(), (at::IntArrayRef{1, 16}));
}

}  // namespace
}  // namespace roz

namespace roz {
namespace {

// The embedded default weights: zero-shot (prompt ensemble of the manifest's templates) on the
// Fashion-MNIST test set. The full 10,000-image figure is in docs/training.md.
TEST(MiniClip, DefaultWeightsClassifyFashionMnistZeroShot) {
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::EvalOptions o;
  o.model = parse_spec("mini_clip");
  o.dataset = "fashion-mnist";
  o.limit = 3000;
  o.batch_size = 500;
  core::Results report = core::evaluate(host, o);
  ASSERT_EQ(report.conditions.size(), 1u);
  EXPECT_EQ(report.conditions[0].samples, 3000);
  EXPECT_GE(test::top1(report, 0), 0.85);
}

}  // namespace
}  // namespace roz
