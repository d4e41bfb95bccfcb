// Reading RoZ's YAML configs (roz eval, roz run): every error names the file and the key, with
// plugin specs given as spec strings or as maps with `name` and the spec's keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "roz/error.hpp"
#include "roz/spec.hpp"

namespace roz::core {

inline std::string read_config_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw SpecError("config '" + path.string() + "': cannot open");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ConfigReader {
 public:
  explicit ConfigReader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw SpecError("config '" + source_ + "': key '" + key + "': " + what);
  }

  // The document's top-level map.
  YAML::Node load(const std::string& yaml) const {
    YAML::Node root;
    try {
      root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
      throw SpecError("config '" + source_ + "': malformed YAML at line " + std::to_string(e.mark.line + 1) + ": " +
                      e.msg);
    }
    if (!root.IsMap()) throw SpecError("config '" + source_ + "': expected a map of keys at the top level");
    return root;
  }

  void check_known(const std::string& key, const std::set<std::string>& known) const {
    if (known.count(key)) return;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    fail(key, "unknown key (known: " + list + ")");
  }

  // A map's key as text: YAML also allows a list or a map as a key, which no config has.
  std::string key_of(const YAML::Node& key, const std::string& where) const {
    if (!key.IsScalar()) fail(where, "a key must be a word, not a list or a map");
    return key.Scalar();
  }

  std::string scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(key, "expected a single value");
    return node.Scalar();
  }

  template <class T>
  T number(const YAML::Node& node, const std::string& key) const {
    // yaml-cpp reads "-1" as an unsigned number by wrapping it around (a seed of 2^64 - 1).
    if constexpr (std::is_unsigned_v<T> && !std::is_same_v<T, bool>)
      if (scalar(node, key).find('-') != std::string::npos) fail(key, "'" + node.Scalar() + "' is not a non-negative number");
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
      std::string param = key_of(entry.first, key);
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

}  // namespace roz::core
