// What a plugin library declares about itself; the host reads it before creating anything.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "roz/context.hpp"
#include "roz/params.hpp"

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

enum class PluginKind { model, attack, corruption, metric };

std::string_view to_string(PluginKind kind);
std::optional<PluginKind> parse_plugin_kind(std::string_view text);

// Declared capabilities (architecture rule 9): the host never guesses them.
enum Capability : std::uint32_t {
  // attacks
  kNeedsGradients = 1u << 0,    // white-box
  kNeedsScoresOnly = 1u << 1,   // black-box, score-based
  kNeedsSourceModel = 1u << 2,  // transfer
  kAttacksText = 1u << 3,       // perturbs the class prompts
  // with kAttacksText: the image attack targets the head of the clean prompts (MMCoA's protocol),
  // the images are then scored with the attacked prompts' head (ABI 4.1)
  kImagesAgainstCleanPrompts = 1u << 4,
  // corruptions
  kDeterministic = 1u << 8,  // output depends on the image alone, not on the seed
  // metrics: the scopes implemented
  kPerCondition = 1u << 16,
  kAcrossConditions = 1u << 17,
  kAcrossModels = 1u << 18,
};

std::vector<std::string> capability_names(std::uint32_t capabilities);

class Plugin;

using PluginFactory = std::function<std::unique_ptr<Plugin>(const Params& params, const PluginContext& context)>;

// The usual factory: constructs T from (params, context), or from params alone.
template <class T>
PluginFactory factory() {
  return [](const Params& params, const PluginContext& context) -> std::unique_ptr<Plugin> {
    if constexpr (std::is_constructible_v<T, const Params&, const PluginContext&>)
      return std::make_unique<T>(params, context);
    else
      return std::make_unique<T>(params);
  };
}

struct PluginDescriptor {
  std::string name;
  PluginKind kind = PluginKind::model;
  std::string version;
  std::string license;
  std::string description;
  std::vector<ParamSpec> params;
  std::uint32_t capabilities = 0;
  PluginFactory create;
};

// Base of every object a plugin creates. Its destructor lives in the SDK library, so its type
// information is unique in the process and the host can check an object's kind.
class Plugin {
 public:
  virtual ~Plugin();
};

}  // namespace roz

#pragma GCC visibility pop
