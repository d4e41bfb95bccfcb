// Spec strings, the command-line language for plugins (FAISS index_factory style):
//   pgd:eps=4/255,steps=10,norm=linf
//   transfer:source=(torchscript:path=a.pt),attack=(pgd:eps=4/255)
//   compose:steps=(jpeg_compression:quality=30;brightness:factor=1.2)
//   resize:scales=[0.5,0.75]
// Values stay lexical here; the host types them against the plugin's parameter schema.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

struct Spec;

struct SpecValue {
  enum class Kind { scalar, list, spec, spec_list };
  Kind kind = Kind::scalar;
  std::string text;                // scalar: the literal as written (quotes removed)
  std::vector<std::string> items;  // list: the literals
  std::vector<Spec> specs;         // spec: one element; spec_list: several
};

struct Spec {
  std::string name;
  std::vector<std::pair<std::string, SpecValue>> params;  // in the order written

  const SpecValue* find(std::string_view key) const;
  std::string to_string() const;
};

// Parses one spec; throws SpecError naming the offending key and position.
Spec parse_spec(std::string_view text);

// Parses the numeric forms specs allow: integers, decimals, scientific, fractions like 4/255.
// Returns false when text is not a number.
bool parse_number(std::string_view text, double& out);
bool parse_integer(std::string_view text, long long& out);
bool parse_bool(std::string_view text, bool& out);

// Shortest text that reads back as the same double.
std::string format_number(double value);

}  // namespace roz

#pragma GCC visibility pop
