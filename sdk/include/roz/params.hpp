// Parameter schema (declared by a plugin) and resolved parameters (validated by the host).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "roz/spec.hpp"

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

enum class ParamType { boolean, integer, real, string, real_list, string_list, spec, spec_list };

std::string_view to_string(ParamType type);

using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::vector<double>, std::vector<std::string>,
                                Spec, std::vector<Spec>>;

std::string format_param_value(const ParamValue& value);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::real;
  std::optional<ParamValue> default_value;  // none: the parameter is optional and unset by default
  std::optional<double> min;                // inclusive bounds for numbers (and each list element)
  std::optional<double> max;
  std::vector<std::string> choices;  // allowed values for strings (and each list element)
  std::string help;
  bool required = false;
};

// Builders, so a descriptor reads like documentation.
namespace param {
ParamSpec boolean(std::string name, bool def, std::string help);
ParamSpec integer(std::string name, std::int64_t def, std::optional<double> min, std::optional<double> max,
                  std::string help);
ParamSpec real(std::string name, double def, std::optional<double> min, std::optional<double> max, std::string help);
ParamSpec string(std::string name, std::string def, std::string help);
ParamSpec choice(std::string name, std::string def, std::vector<std::string> choices, std::string help);
ParamSpec real_list(std::string name, std::vector<double> def, std::string help);
// A list of strings, each one of `choices` (none: any string).
ParamSpec string_list(std::string name, std::vector<std::string> def, std::vector<std::string> choices,
                      std::string help);
ParamSpec spec(std::string name, std::string help);
ParamSpec spec_list(std::string name, std::string help);
// Turns any of the above into an optional parameter with no default, or a required one.
ParamSpec optional(ParamSpec p);
ParamSpec required(ParamSpec p);
}  // namespace param

// Parameters after validation: every schema entry with a default is present, with its declared type.
class Params {
 public:
  Params() = default;
  Params(std::string plugin, std::vector<std::pair<std::string, ParamValue>> values);

  bool has(std::string_view name) const;
  bool get_bool(std::string_view name) const { return get<bool>(name); }
  std::int64_t get_int(std::string_view name) const { return get<std::int64_t>(name); }
  double get_real(std::string_view name) const { return get<double>(name); }
  const std::string& get_string(std::string_view name) const { return get<std::string>(name); }
  const std::vector<double>& get_reals(std::string_view name) const { return get<std::vector<double>>(name); }
  const std::vector<std::string>& get_strings(std::string_view name) const {
    return get<std::vector<std::string>>(name);
  }
  const Spec& get_spec(std::string_view name) const { return get<Spec>(name); }
  const std::vector<Spec>& get_specs(std::string_view name) const { return get<std::vector<Spec>>(name); }

  const std::vector<std::pair<std::string, ParamValue>>& values() const { return values_; }
  // The fully resolved spec, e.g. "fgsm:eps=0.03137254901960784,norm=linf": recorded with results.
  std::string to_spec_string() const;

 private:
  template <class T>
  const T& get(std::string_view name) const;
  const ParamValue& find(std::string_view name) const;

  std::string plugin_;
  std::vector<std::pair<std::string, ParamValue>> values_;
};

}  // namespace roz

#pragma GCC visibility pop
