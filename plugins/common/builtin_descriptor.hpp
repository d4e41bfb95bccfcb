// The descriptor fields every built-in plugin shares (its version and licence), around the parts
// that are its own. Built-ins move to a new version together, with the project.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "roz/descriptor.hpp"

namespace roz::builtin {

inline PluginDescriptor descriptor(std::string name, PluginKind kind, std::string description,
                                   std::vector<ParamSpec> params, std::uint32_t capabilities, PluginFactory create) {
  PluginDescriptor d;
  d.name = std::move(name);
  d.kind = kind;
  d.version = "1.0.0";
  d.license = "Apache-2.0";
  d.description = std::move(description);
  d.params = std::move(params);
  d.capabilities = capabilities;
  d.create = std::move(create);
  return d;
}

}  // namespace roz::builtin
