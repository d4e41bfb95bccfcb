#include <gtest/gtest.h>

#include "roz/core/eval_config.hpp"
#include "roz/error.hpp"

namespace roz {
namespace {

TEST(EvalConfig, SpecStringsAndMapsAreTheSameThing) {
  core::EvalOptions o = core::parse_eval_config(R"(
model: {name: torchscript, path: m.pt, resolution: 32, mean: [0.5, 0.5, 0.5]}
dataset: data/cifar
corruptions:
  - jpeg_compression:severity=3
  - {name: jpeg_compression, quality: 20}
attacks:
  - name: transfer
    source: {name: torchscript, path: other.pt}
    attack: fgsm:eps=4/255
  - name: compose
    steps: [{name: a, x: 1}, {name: b, y: 2}]
seed: 42
support_per_class: 16
templates: ["a photo of a {}.", "a drawing of a {}."]
)",
                                                "test.yaml");
  EXPECT_EQ(o.model.to_string(), parse_spec("torchscript:path=m.pt,resolution=32,mean=[0.5,0.5,0.5]").to_string());
  EXPECT_EQ(o.dataset, "data/cifar");
  ASSERT_EQ(o.corruptions.size(), 2u);
  EXPECT_EQ(o.corruptions[1].to_string(), "jpeg_compression:quality=20");
  EXPECT_EQ(o.attacks[0].to_string(),
            parse_spec("transfer:source=(torchscript:path=other.pt),attack=fgsm:eps=4/255").to_string());
  EXPECT_EQ(o.attacks[1].to_string(), "compose:steps=(a:x=1;b:y=2)");
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(o.support_per_class, 16u);
  EXPECT_EQ(o.templates.size(), 2u);
}

std::string eval_config_error(const std::string& yaml) {
  try {
    core::parse_eval_config(yaml, "bad.yaml");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "no error";
}

TEST(EvalConfig, ErrorsNameTheFileAndKey) {
  EXPECT_EQ(
      eval_config_error("sead: 3"),
      "config 'bad.yaml': key 'sead': unknown key (known: attacks, batch_size, corruptions, dataset, limit, metrics, "
      "model, per_class, prompt_attack_points, seed, support_per_class, templates)");
  EXPECT_EQ(eval_config_error("seed: many"), "config 'bad.yaml': key 'seed': 'many' is not a valid number");
  EXPECT_EQ(eval_config_error("attacks:\n  - {eps: 3}"), "config 'bad.yaml': key 'attacks[0]': a spec map needs a 'name'");
  EXPECT_NE(eval_config_error("attacks: [\"fgsm:eps=\"]").find("key 'attacks[0]': spec 'fgsm:eps=': key 'eps': empty value"),
            std::string::npos);
  EXPECT_NE(eval_config_error("model: [unclosed").find("config 'bad.yaml': malformed YAML at line"), std::string::npos);
  EXPECT_EQ(eval_config_error("batch_size: 0"), "config 'bad.yaml': key 'batch_size': must be positive");
}

}  // namespace
}  // namespace roz
