// Types a spec's lexical values against a plugin's parameter schema, before the plugin runs.
#pragma once

#include "roz/descriptor.hpp"
#include "roz/params.hpp"
#include "roz/spec.hpp"

namespace roz::core {

// Unknown, mistyped, out-of-range or missing required parameters throw ParamError naming the
// plugin and the key. The result holds every schema entry that has a value, in schema order.
Params resolve_params(const PluginDescriptor& descriptor, const Spec& spec);

// Checks a descriptor's own schema (defaults of the declared type and inside the declared range).
void check_schema(const PluginDescriptor& descriptor);

}  // namespace roz::core
