#include "roz/core/param_validation.hpp"

#include <algorithm>
#include <cmath>

#include "roz/error.hpp"

namespace roz::core {

namespace {

std::string join_names(const std::vector<ParamSpec>& params) {
  std::string out;
  for (const auto& p : params) out += (out.empty() ? "" : ", ") + p.name;
  return out.empty() ? "none" : out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class Typer {
 public:
  Typer(const PluginDescriptor& d, const ParamSpec& p) : d_(d), p_(p) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ParamError(std::string(to_string(d_.kind)) + " plugin '" + d_.name + "': parameter '" + p_.name +
                     "': " + what);
  }

  double number(const std::string& text) const {
    double v = 0;
    if (!parse_number(text, v)) fail("'" + text + "' is not a number");
    check_range(v);
    return v;
  }

  void check_range(double v) const {
    if ((p_.min && v < *p_.min) || (p_.max && v > *p_.max))
      fail(format_number(v) + " is out of range [" + (p_.min ? format_number(*p_.min) : "-inf") + ", " +
           (p_.max ? format_number(*p_.max) : "inf") + "]");
  }

  std::string choice(const std::string& text) const {
    if (!p_.choices.empty() && std::find(p_.choices.begin(), p_.choices.end(), text) == p_.choices.end())
      fail("'" + text + "' is not one of: " + join(p_.choices));
    return text;
  }

  const std::string& scalar(const SpecValue& v) const {
    if (v.kind != SpecValue::Kind::scalar) fail("expected a single " + std::string(to_string(p_.type)) + " value");
    return v.text;
  }

  std::vector<std::string> items(const SpecValue& v) const {
    if (v.kind == SpecValue::Kind::list) return v.items;
    if (v.kind == SpecValue::Kind::scalar) return {v.text};
    fail("expected a list like [a,b], got a nested spec");
  }

  ParamValue type(const SpecValue& v) const {
    switch (p_.type) {
      case ParamType::boolean: {
        bool b = false;
        if (!parse_bool(scalar(v), b)) fail("'" + v.text + "' is not a boolean (true/false)");
        return b;
      }
      case ParamType::integer: {
        long long i = 0;
        double d = 0;
        const std::string& text = scalar(v);
        if (!parse_integer(text, i)) {
          if (!parse_number(text, d) || std::floor(d) != d) fail("'" + text + "' is not an integer");
          i = static_cast<long long>(d);
        }
        check_range(static_cast<double>(i));
        return static_cast<std::int64_t>(i);
      }
      case ParamType::real: return number(scalar(v));
      case ParamType::string: return choice(scalar(v));
      case ParamType::real_list: {
        std::vector<double> out;
        for (const auto& item : items(v)) out.push_back(number(item));
        return out;
      }
      case ParamType::string_list: {
        std::vector<std::string> out;
        for (const auto& item : items(v)) out.push_back(choice(item));
        return out;
      }
      case ParamType::spec:
        if (v.kind == SpecValue::Kind::spec) return v.specs.front();
        if (v.kind == SpecValue::Kind::scalar) return parse_spec(v.text);
        fail("expected one nested spec in parentheses, e.g. (name:key=value)");
      case ParamType::spec_list:
        if (v.kind == SpecValue::Kind::spec || v.kind == SpecValue::Kind::spec_list) return v.specs;
        if (v.kind == SpecValue::Kind::scalar) return std::vector<Spec>{parse_spec(v.text)};
        fail("expected nested specs in parentheses, e.g. (a:k=1;b:k=2)");
    }
    fail("unknown parameter type");
  }

  // Defaults must obey the schema too: a plugin cannot declare what the host would reject.
  void check_default(const ParamValue& v) const {
    bool ok = false;
    switch (p_.type) {
      case ParamType::boolean: ok = std::holds_alternative<bool>(v); break;
      case ParamType::integer:
        ok = std::holds_alternative<std::int64_t>(v);
        if (ok) check_range(static_cast<double>(std::get<std::int64_t>(v)));
        break;
      case ParamType::real:
        ok = std::holds_alternative<double>(v);
        if (ok) check_range(std::get<double>(v));
        break;
      case ParamType::string:
        ok = std::holds_alternative<std::string>(v);
        if (ok) choice(std::get<std::string>(v));
        break;
      case ParamType::real_list:
        ok = std::holds_alternative<std::vector<double>>(v);
        if (ok)
          for (double d : std::get<std::vector<double>>(v)) check_range(d);
        break;
      case ParamType::string_list: ok = std::holds_alternative<std::vector<std::string>>(v); break;
      case ParamType::spec: ok = std::holds_alternative<Spec>(v); break;
      case ParamType::spec_list: ok = std::holds_alternative<std::vector<Spec>>(v); break;
    }
    if (!ok) fail("default value does not have the declared type " + std::string(to_string(p_.type)));
  }

 private:
  const PluginDescriptor& d_;
  const ParamSpec& p_;
};

}  // namespace

Params resolve_params(const PluginDescriptor& descriptor, const Spec& spec) {
  if (spec.name != descriptor.name)
    throw ParamError("spec names plugin '" + spec.name + "' but was given to plugin '" + descriptor.name + "'");
  for (const auto& [key, value] : spec.params) {
    bool known = std::any_of(descriptor.params.begin(), descriptor.params.end(),
                             [&](const ParamSpec& p) { return p.name == key; });
    if (!known)
      throw ParamError(std::string(to_string(descriptor.kind)) + " plugin '" + descriptor.name +
                       "': unknown parameter '" + key + "' (known: " + join_names(descriptor.params) + ")");
  }
  std::vector<std::pair<std::string, ParamValue>> values;
  for (const ParamSpec& p : descriptor.params) {
    Typer typer(descriptor, p);
    if (const SpecValue* given = spec.find(p.name)) {
      values.emplace_back(p.name, typer.type(*given));
    } else if (p.default_value) {
      values.emplace_back(p.name, *p.default_value);
    } else if (p.required) {
      typer.fail("is required");
    }
  }
  return Params(descriptor.name, std::move(values));
}

void check_schema(const PluginDescriptor& descriptor) {
  for (size_t i = 0; i < descriptor.params.size(); ++i) {
    const ParamSpec& p = descriptor.params[i];
    for (size_t j = 0; j < i; ++j)
      if (descriptor.params[j].name == p.name)
        throw ParamError("plugin '" + descriptor.name + "' declares parameter '" + p.name + "' twice");
    if (p.default_value) Typer(descriptor, p).check_default(*p.default_value);
  }
}

}  // namespace roz::core
