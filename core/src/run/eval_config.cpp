#include "roz/core/eval_config.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "run/config_reader.hpp"
#include "roz/error.hpp"

namespace roz::core {

EvalOptions parse_eval_config(const std::string& yaml, const std::string& source) {
  ConfigReader r(source);
  const YAML::Node root = r.load(yaml);
  static const std::set<std::string> kKeys = {"model",
                                              "dataset",
                                              "corruptions",
                                              "attacks",
                                              "metrics",
                                              "templates",
                                              "support_per_class",
                                              "per_class",
                                              "seed",
                                              "batch_size",
                                              "limit",
                                              "prompt_attack_points"};
  EvalOptions o;
  for (const auto& entry : root) {
    const std::string key = r.key_of(entry.first, "(top level)");
    const YAML::Node& node = entry.second;
    r.check_known(key, kKeys);
    if (key == "model")
      o.model = r.spec(node, key);
    else if (key == "dataset")
      o.dataset = r.scalar(node, key);
    else if (key == "corruptions")
      o.corruptions = r.specs(node, key);
    else if (key == "attacks")
      o.attacks = r.specs(node, key);
    else if (key == "metrics")
      o.metrics = r.specs(node, key);
    else if (key == "templates")
      o.templates = r.strings(node, key);
    else if (key == "support_per_class")
      o.support_per_class = r.number<std::size_t>(node, key);
    else if (key == "per_class")
      o.per_class = r.number<std::size_t>(node, key);
    else if (key == "limit")
      o.limit = r.number<std::size_t>(node, key);
    else if (key == "prompt_attack_points")
      o.prompt_attack_points = r.number<std::size_t>(node, key);
    else if (key == "seed")
      o.seed = r.number<std::uint64_t>(node, key);
    else if (key == "batch_size")
      o.batch_size = r.number<std::int64_t>(node, key);
  }
  if (o.batch_size <= 0) r.fail("batch_size", "must be positive");
  return o;
}

EvalOptions load_eval_config(const std::filesystem::path& path) {
  return parse_eval_config(read_config_file(path), path.string());
}

}  // namespace roz::core
