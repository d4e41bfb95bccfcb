#include "roz/core/eval_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "roz/error.hpp"

namespace roz::core {

namespace {

class ConfigReader {
 public:
  explicit ConfigReader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw SpecError("config '" + source_ + "': key '" + key + "': " + what);
  }

  std::string scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(key, "expected a single value");
    return node.Scalar();
  }

  template <class T>
  T number(const YAML::Node& node, const std::string& key) const {
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(key, "'" + scalar(node, key) + "' is not a valid number");
    }
  }

  Spec spec(const YAML::Node& node, const std::string& key) const {
    if (node.IsScalar()) {
      try {
        return parse_spec(node.Scalar());
      } catch (const SpecError& e) {
        fail(key, e.what());
      }
    }
    if (!node.IsMap()) fail(key, "expected a spec string or a map with 'name'");
    if (!node["name"]) fail(key, "a spec map needs a 'name'");
    Spec out;
    out.name = scalar(node["name"], key + ".name");
    for (const auto& entry : node) {
      std::string param = entry.first.as<std::string>();
      if (param == "name") continue;
      out.params.emplace_back(param, value(entry.second, key + "." + param));
    }
    return out;
  }

  std::vector<Spec> specs(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence()) return {spec(node, key)};
    std::vector<Spec> out;
    for (size_t i = 0; i < node.size(); ++i) out.push_back(spec(node[i], key + "[" + std::to_string(i) + "]"));
    return out;
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
    if (node.IsScalar()) return {node.Scalar()};
    if (!node.IsSequence()) fail(key, "expected a list of strings");
    std::vector<std::string> out;
    for (size_t i = 0; i < node.size(); ++i) out.push_back(scalar(node[i], key + "[" + std::to_string(i) + "]"));
    return out;
  }

 private:
  SpecValue value(const YAML::Node& node, const std::string& key) const {
    SpecValue v;
    if (node.IsScalar()) {
      v.text = node.Scalar();
    } else if (node.IsMap()) {
      v.kind = SpecValue::Kind::spec;
      v.specs.push_back(spec(node, key));
    } else if (node.IsSequence() && node.size() > 0 && node[0].IsMap()) {
      v.kind = SpecValue::Kind::spec_list;
      v.specs = specs(node, key);
    } else if (node.IsSequence()) {
      v.kind = SpecValue::Kind::list;
      v.items = strings(node, key);
    } else {
      fail(key, "empty value");
    }
    return v;
  }

  std::string source_;
};

}  // namespace

EvalOptions parse_eval_config(const std::string& yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw SpecError("config '" + source + "': malformed YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) throw SpecError("config '" + source + "': expected a map of keys at the top level");
  ConfigReader r(source);
  static const std::set<std::string> kKeys = {"model",     "dataset",           "corruptions", "attacks",
                                              "metrics",   "templates",         "support_per_class",
                                              "per_class", "seed",              "batch_size", "limit"};
  EvalOptions o;
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& node = entry.second;
    if (!kKeys.count(key)) {
      std::string known;
      for (const auto& k : kKeys) known += (known.empty() ? "" : ", ") + k;
      r.fail(key, "unknown key (known: " + known + ")");
    }
    if (key == "model") o.model = r.spec(node, key);
    else if (key == "dataset") o.dataset = r.scalar(node, key);
    else if (key == "corruptions") o.corruptions = r.specs(node, key);
    else if (key == "attacks") o.attacks = r.specs(node, key);
    else if (key == "metrics") o.metrics = r.specs(node, key);
    else if (key == "templates") o.templates = r.strings(node, key);
    else if (key == "support_per_class") o.support_per_class = r.number<std::size_t>(node, key);
    else if (key == "per_class") o.per_class = r.number<std::size_t>(node, key);
    else if (key == "limit") o.limit = r.number<std::size_t>(node, key);
    else if (key == "seed") o.seed = r.number<std::uint64_t>(node, key);
    else if (key == "batch_size") o.batch_size = r.number<std::int64_t>(node, key);
  }
  if (o.batch_size <= 0) r.fail("batch_size", "must be positive");
  return o;
}

EvalOptions load_eval_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw SpecError("config '" + path.string() + "': cannot open");
  std::stringstream text;
  text << in.rdbuf();
  return parse_eval_config(text.str(), path.string());
}

}  // namespace roz::core
