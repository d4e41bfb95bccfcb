// The descriptor fields a plugin library states once (its version and licence), around the parts
// each plugin says itself. The support helpers (attack_plugin.hpp, imagenet_c.hpp, ...) make
// descriptors through this, so every plugin library that uses them defines plugin_provenance():
//
//   roz::support::Provenance roz::support::plugin_provenance() { return {"0.3.0", "MIT"}; }
//
// (a missing definition is a link error: plugins link with --no-undefined).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "roz/descriptor.hpp"

namespace roz::support {

struct Provenance {
  std::string version;  // the plugin's semantic version, as `roz plugins list` shows it
  std::string license;  // an SPDX identifier
};

// Defined by the plugin library (one definition per library; the built-ins share theirs).
Provenance plugin_provenance();

inline PluginDescriptor descriptor(std::string name, PluginKind kind, std::string description,
                                   std::vector<ParamSpec> params, std::uint32_t capabilities, PluginFactory create) {
  Provenance from = plugin_provenance();
  PluginDescriptor d;
  d.name = std::move(name);
  d.kind = kind;
  d.version = std::move(from.version);
  d.license = std::move(from.license);
  d.description = std::move(description);
  d.params = std::move(params);
  d.capabilities = capabilities;
  d.create = std::move(create);
  return d;
}

}  // namespace roz::support
