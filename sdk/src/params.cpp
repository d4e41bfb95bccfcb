#include "roz/params.hpp"

#include "roz/error.hpp"

namespace roz {

std::string_view to_string(ParamType type) {
  switch (type) {
    case ParamType::boolean:
      return "bool";
    case ParamType::integer:
      return "int";
    case ParamType::real:
      return "float";
    case ParamType::string:
      return "string";
    case ParamType::real_list:
      return "float list";
    case ParamType::string_list:
      return "string list";
    case ParamType::spec:
      return "spec";
    case ParamType::spec_list:
      return "spec list";
  }
  return "?";
}

namespace {
template <class T, class F>
std::string join(const std::vector<T>& items, F&& format, const char* open, const char* sep, const char* close) {
  std::string out = open;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + format(items[i]);
  return out + close;
}
}  // namespace

std::string format_param_value(const ParamValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_number(d); }
    std::string operator()(const std::string& s) const {
      Spec probe{"x", {{"v", SpecValue{SpecValue::Kind::scalar, s, {}, {}}}}};
      return probe.to_string().substr(4);  // reuse the spec quoting rules
    }
    std::string operator()(const std::vector<double>& v) const {
      return join(
          v, [](double d) { return format_number(d); }, "[", ",", "]");
    }
    std::string operator()(const std::vector<std::string>& v) const {
      return join(
          v, [this](const std::string& s) { return (*this)(s); }, "[", ",", "]");
    }
    std::string operator()(const Spec& s) const { return "(" + s.to_string() + ")"; }
    std::string operator()(const std::vector<Spec>& v) const {
      return join(
          v, [](const Spec& s) { return s.to_string(); }, "(", ";", ")");
    }
  };
  return std::visit(Visitor{}, value);
}

namespace param {
namespace {
ParamSpec make(std::string name, ParamType type, std::optional<ParamValue> def, std::string help) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = type;
  p.default_value = std::move(def);
  p.help = std::move(help);
  return p;
}
}  // namespace

ParamSpec boolean(std::string name, bool def, std::string help) {
  return make(std::move(name), ParamType::boolean, def, std::move(help));
}
ParamSpec integer(std::string name, std::int64_t def, std::optional<double> min, std::optional<double> max,
                  std::string help) {
  ParamSpec p = make(std::move(name), ParamType::integer, def, std::move(help));
  p.min = min;
  p.max = max;
  return p;
}
ParamSpec real(std::string name, double def, std::optional<double> min, std::optional<double> max, std::string help) {
  ParamSpec p = make(std::move(name), ParamType::real, def, std::move(help));
  p.min = min;
  p.max = max;
  return p;
}
ParamSpec string(std::string name, std::string def, std::string help) {
  return make(std::move(name), ParamType::string, std::move(def), std::move(help));
}
ParamSpec choice(std::string name, std::string def, std::vector<std::string> choices, std::string help) {
  ParamSpec p = make(std::move(name), ParamType::string, std::move(def), std::move(help));
  p.choices = std::move(choices);
  return p;
}
ParamSpec real_list(std::string name, std::vector<double> def, std::string help) {
  return make(std::move(name), ParamType::real_list, std::move(def), std::move(help));
}
ParamSpec string_list(std::string name, std::vector<std::string> def, std::vector<std::string> choices,
                      std::string help) {
  ParamSpec p = make(std::move(name), ParamType::string_list, std::move(def), std::move(help));
  p.choices = std::move(choices);
  return p;
}
ParamSpec spec(std::string name, std::string help) {
  return make(std::move(name), ParamType::spec, std::nullopt, std::move(help));
}
ParamSpec spec_list(std::string name, std::string help) {
  return make(std::move(name), ParamType::spec_list, std::nullopt, std::move(help));
}
ParamSpec optional(ParamSpec p) {
  p.default_value.reset();
  p.required = false;
  return p;
}
ParamSpec required(ParamSpec p) {
  p.default_value.reset();
  p.required = true;
  return p;
}
}  // namespace param

Params::Params(std::string plugin, std::vector<std::pair<std::string, ParamValue>> values)
    : plugin_(std::move(plugin)), values_(std::move(values)) {}

bool Params::has(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return true;
  return false;
}

const ParamValue& Params::find(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return v;
  throw ParamError("plugin '" + plugin_ + "': parameter '" + std::string(name) + "' is not set");
}

template <class T>
const T& Params::get(std::string_view name) const {
  const ParamValue& v = find(name);
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw ParamError("plugin '" + plugin_ + "': parameter '" + std::string(name) + "' read with the wrong type");
}

template const bool& Params::get<bool>(std::string_view) const;
template const std::int64_t& Params::get<std::int64_t>(std::string_view) const;
template const double& Params::get<double>(std::string_view) const;
template const std::string& Params::get<std::string>(std::string_view) const;
template const std::vector<double>& Params::get<std::vector<double>>(std::string_view) const;
template const std::vector<std::string>& Params::get<std::vector<std::string>>(std::string_view) const;
template const Spec& Params::get<Spec>(std::string_view) const;
template const std::vector<Spec>& Params::get<std::vector<Spec>>(std::string_view) const;

std::string Params::to_spec_string() const {
  std::string out = plugin_;
  for (size_t i = 0; i < values_.size(); ++i)
    out += (i == 0 ? ":" : ",") + values_[i].first + "=" + format_param_value(values_[i].second);
  return out;
}

}  // namespace roz
