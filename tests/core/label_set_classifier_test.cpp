// An image classifier (a model with a fixed label set and no text tower) through the host: its
// logits restricted to a dataset's classes by name, attacked by a built-in attack like any head.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "roz/attack.hpp"
#include "roz/core/label_set_classifier.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

// Logit of class c = 10 * the mean of colour channel c: red is "cat", green "dog", blue "bird" unless
// other names are given.
class ChannelClassifier final : public Model {
 public:
  explicit ChannelClassifier(std::vector<std::string> names = {"cat", "dog", "bird"}) : names_(std::move(names)) {}
  Preprocessing preprocessing() const override { return {.resolution = 8, .mean = {0, 0, 0}, .std = {1, 1, 1}}; }
  std::int64_t embedding_dim() const override { return 3; }
  at::Tensor encode_image(const at::Tensor& images) override { return images.mean({2, 3}); }
  std::vector<std::string> class_names() const override { return names_; }
  at::Tensor classify(const at::Tensor& images) override { return 10 * encode_image(images); }
  std::vector<ModelParameter> trainable_parameters() override { return {}; }
  void set_training(bool) override {}
  void save(const std::string&) const override {}
  void load(const std::string&) override {}
  std::string content_hash() const override { return "channels"; }

 private:
  std::vector<std::string> names_;
};

at::Tensor colour_images() {  // image 0 mostly blue, image 1 mostly red
  at::Tensor x = at::full({2, 3, 8, 8}, 0.2);
  x[0][2].fill_(0.6);
  x[1][0].fill_(0.6);
  return x;
}

TEST(LabelSetClassifier, KeepsTheLogitsOfTheDatasetClassesInTheDatasetsOrder) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  std::shared_ptr<Classifier> classifier =
      host.create_classifier(std::make_shared<ChannelClassifier>(), PromptSet{{"bird", "cat"}, {"a photo of a {}."}});
  EXPECT_EQ(classifier->num_classes(), 2);
  const at::Tensor logits = classifier->logits(colour_images());
  ASSERT_EQ(logits.sizes(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_NEAR(logits[0][0].item<double>(), 6.0, 1e-5);  // image 0's blue ("bird")
  EXPECT_NEAR(logits[0][1].item<double>(), 2.0, 1e-5);  // its red ("cat")
  EXPECT_NEAR(logits[1][1].item<double>(), 6.0, 1e-5);
  EXPECT_EQ(logits.argmax(1)[0].item<std::int64_t>(), 0);
  EXPECT_EQ(logits.argmax(1)[1].item<std::int64_t>(), 1);
}

TEST(LabelSetClassifier, ADatasetClassOutsideTheLabelSetIsNamed) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  try {
    host.create_classifier(std::make_shared<ChannelClassifier>(), PromptSet{{"cat", "horse", "ship"}, {"{}"}});
    FAIL() << "a dataset with classes the model does not know was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "image classifier of 3 fixed classes: 2 of the dataset's 3 are not among them: 'horse', 'ship'");
  }
}

// CLIP's ImageNet names hold 'missile' twice (657, 744; ImageNet-R keeps 657): positions in the class
// file the dataset took its names from tell them apart; by name alone, the ambiguity is an error.
TEST(LabelSetClassifier, TwinNamesAreToldApartByTheirPositionInTheDatasetsClassFile) {
  auto model = std::make_shared<ChannelClassifier>(std::vector<std::string>{"missile", "cat", "missile"});
  const at::Tensor images = colour_images();  // image 0: blue (position 2), image 1: red (position 0)
  core::LabelSetClassifier second(model, {"cat", "missile"}, model->class_names(), {1, 2});
  EXPECT_TRUE(second.logits(images).equal(model->classify(images).index_select(1, at::tensor({1, 2}))));
  core::LabelSetClassifier first(model, {"missile"}, model->class_names(), {0});
  EXPECT_NEAR(first.logits(images)[1][0].item<double>(), 6.0, 1e-5);
  core::LabelSetClassifier whole(model, model->class_names());
  EXPECT_TRUE(whole.logits(images).equal(model->classify(images)));
  try {
    core::LabelSetClassifier by_name(model, {"cat", "missile"});
    FAIL() << "an ambiguous name was matched";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("class 'missile' is at positions 0 and 2"), std::string::npos) << e.what();
  }
}

TEST(LabelSetClassifier, ABuiltInAttackFoolsIt) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  std::shared_ptr<Classifier> classifier =
      host.create_classifier(std::make_shared<ChannelClassifier>(), PromptSet{{"cat", "bird"}, {"{}"}});
  std::shared_ptr<Attack> pgd = host.create_attack(parse_spec("pgd:eps=0.3,steps=20"));
  const at::Tensor images = colour_images();
  const at::Tensor labels = at::tensor(std::vector<std::int64_t>{1, 0}, at::kLong);  // both correct when clean
  ASSERT_TRUE(classifier->logits(images).argmax(1).equal(labels));
  std::vector<std::uint64_t> seeds{1, 2};
  AttackResult r = pgd->perturb(*classifier, {images, labels, seeds, nullptr});
  EXPECT_FALSE(classifier->logits(r.images).argmax(1).eq(labels).any().item<bool>()) << "PGD fooled neither image";
  EXPECT_LE((r.images - images).abs().max().item<double>(), 0.3 + 1e-6);
}

TEST(LabelSetClassifier, AModelWithoutATextTowerSaysSo) {
  ChannelClassifier model;
  EXPECT_THROW(model.tokenize({"a cat"}), Error);
  EXPECT_THROW(model.logit_scale(), Error);
}

}  // namespace
}  // namespace roz
