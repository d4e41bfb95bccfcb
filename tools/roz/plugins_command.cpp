// roz plugins list | info NAME
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "roz/core/registry.hpp"
#include "roz/error.hpp"

namespace roz::cli {

namespace {

using nlohmann::json;

std::string abi(const core::LoadedPlugin& p) {
  return std::to_string(p.entry->abi_major) + "." + std::to_string(p.entry->abi_minor);
}

json param_json(const ParamSpec& p) {
  json j{{"name", p.name}, {"type", to_string(p.type)}, {"help", p.help}, {"required", p.required}};
  j["default"] = p.default_value ? json(format_param_value(*p.default_value)) : json(nullptr);
  if (p.min) j["min"] = *p.min;
  if (p.max) j["max"] = *p.max;
  if (!p.choices.empty()) j["choices"] = p.choices;
  return j;
}

json plugin_json(const core::LoadedPlugin& p, bool with_params) {
  const PluginDescriptor& d = *p.descriptor;
  json j{{"name", d.name},
         {"kind", to_string(d.kind)},
         {"version", d.version},
         {"abi", abi(p)},
         {"license", d.license},
         {"description", d.description},
         {"capabilities", capability_names(d.capabilities)},
         {"torch_version", p.torch_version},
         {"path", p.path.string()}};
  if (with_params) {
    j["params"] = json::array();
    for (const ParamSpec& param : d.params) j["params"].push_back(param_json(param));
  }
  return j;
}

int list(const GlobalOptions& global, bool as_json, const std::string& kind_filter) {
  core::Registry registry = discover_logging_failures(global);
  std::optional<PluginKind> kind;
  if (!kind_filter.empty()) {
    kind = parse_plugin_kind(kind_filter);
    if (!kind) throw Error("unknown plugin kind '" + kind_filter + "' (model, attack, corruption, metric)");
  }
  std::vector<const core::LoadedPlugin*> plugins;
  for (const auto& p : registry.plugins())
    if (!kind || p.descriptor->kind == *kind) plugins.push_back(&p);
  std::sort(plugins.begin(), plugins.end(), [](auto* a, auto* b) {
    return std::pair(a->descriptor->kind, a->descriptor->name) < std::pair(b->descriptor->kind, b->descriptor->name);
  });
  if (as_json) {
    json out{{"plugins", json::array()}, {"errors", json::array()}};
    for (const auto* p : plugins) out["plugins"].push_back(plugin_json(*p, false));
    for (const auto& f : registry.failures())
      out["errors"].push_back({{"path", f.path.string()}, {"message", f.message}});
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  // Columns as wide as their longest cell plus two spaces: a long name never runs into the next.
  std::vector<std::array<std::string, 5>> rows{{"KIND", "NAME", "VERSION", "ABI", "PATH"}};
  for (const auto* p : plugins)
    rows.push_back({std::string(to_string(p->descriptor->kind)), p->descriptor->name, p->descriptor->version, abi(*p),
                    p->path.string()});
  std::array<std::size_t, 5> width{};
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size() + 2);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c + 1 < row.size(); ++c)
      std::cout << std::left << std::setw(static_cast<int>(width[c])) << row[c];
    std::cout << row.back() << "\n";
  }
  return 0;
}

int info(const GlobalOptions& global, const std::string& name, const std::string& kind_filter, bool as_json) {
  core::Registry registry = discover_logging_failures(global);
  std::vector<const core::LoadedPlugin*> matches = registry.find_by_name(name);
  if (!kind_filter.empty()) {
    auto kind = parse_plugin_kind(kind_filter);
    if (!kind) throw Error("unknown plugin kind '" + kind_filter + "' (model, attack, corruption, metric)");
    std::erase_if(matches, [&](auto* p) { return p->descriptor->kind != *kind; });
  }
  if (matches.empty()) throw Error("no plugin named '" + name + "' (roz plugins list shows them)");
  if (matches.size() > 1) throw Error("several plugins are named '" + name + "': give --kind");
  const core::LoadedPlugin& p = *matches.front();
  if (as_json) {
    std::cout << plugin_json(p, true).dump(2) << "\n";
    return 0;
  }
  const PluginDescriptor& d = *p.descriptor;
  std::cout << d.name << " (" << to_string(d.kind) << " plugin, version " << d.version << ", ABI " << abi(p)
            << ", LibTorch " << p.torch_version << ", licence " << d.license << ")\n"
            << "  " << d.description << "\n"
            << "  file: " << p.path.string() << "\n";
  auto caps = capability_names(d.capabilities);
  if (!caps.empty()) {
    std::cout << "  capabilities:";
    for (const auto& c : caps) std::cout << " " << c;
    std::cout << "\n";
  }
  std::cout << "  parameters:\n";
  std::size_t width = 12, type_width = 8;  // each column fits its longest cell and two spaces
  for (const ParamSpec& param : d.params) {
    width = std::max(width, param.name.size() + 2);
    type_width = std::max(type_width, to_string(param.type).size() + 2);
  }
  for (const ParamSpec& param : d.params) {
    std::cout << "    " << std::left << std::setw(static_cast<int>(width)) << param.name
              << std::setw(static_cast<int>(type_width)) << to_string(param.type);
    if (param.default_value)
      std::cout << "default " << format_param_value(*param.default_value);
    else
      std::cout << (param.required ? "required" : "optional");
    if (param.min || param.max)
      std::cout << ", range [" << (param.min ? format_number(*param.min) : "-inf") << ", "
                << (param.max ? format_number(*param.max) : "inf") << "]";
    if (!param.choices.empty()) {
      std::cout << ", one of";
      for (const auto& c : param.choices) std::cout << " " << c;
    }
    std::cout << "\n      " << param.help << "\n";
  }
  return 0;
}

}  // namespace

void add_plugins_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  CLI::App* plugins = app.add_subcommand("plugins", "list and describe plugins")->require_subcommand(1);

  CLI::App* list_cmd = plugins->add_subcommand("list", "list the plugins found on the search path");
  auto list_json = std::make_shared<bool>(false);
  auto list_kind = std::make_shared<std::string>();
  list_cmd->add_flag("--json", *list_json, "JSON on stdout (logs stay on stderr)");
  list_cmd->add_option("--kind", *list_kind, "only this kind: model, attack, corruption, metric");
  commands.push_back({list_cmd, [&global, list_json, list_kind] { return list(global, *list_json, *list_kind); }});

  CLI::App* info_cmd = plugins->add_subcommand("info", "describe a plugin and its parameters");
  auto info_name = std::make_shared<std::string>();
  auto info_kind = std::make_shared<std::string>();
  auto info_json = std::make_shared<bool>(false);
  info_cmd->add_option("name", *info_name, "plugin name")->required();
  info_cmd->add_option("--kind", *info_kind, "disambiguates plugins of different kinds with the same name");
  info_cmd->add_flag("--json", *info_json, "JSON on stdout (logs stay on stderr)");
  commands.push_back({info_cmd, [&global, info_name, info_kind, info_json] {
                        return info(global, *info_name, *info_kind, *info_json);
                      }});
}

}  // namespace roz::cli
