// Every built-in plugin's version and licence: they move to a new version together, with the project.
#include "roz/support/descriptor.hpp"

roz::support::Provenance roz::support::plugin_provenance() { return {"1.0.0", "Apache-2.0"}; }
