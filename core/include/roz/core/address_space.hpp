// What roz says about the address-space limit (ulimit -v), which LibTorch with CUDA mostly uses up
// before main (about 3 GiB of libraries): a warning on start when little is left, and a hint that
// error_message() (guard.hpp) appends to an out-of-memory error. Both read the limit and
// /proc/self/statm when called; thread-safe.
//
//   core::warn_if_address_space_is_short();   // once, after logging is set up
#pragma once

#include <string>
#include <string_view>

namespace roz::core {

// Logs the mapped size and the limit at debug level, and warns when under 1 GiB is left.
void warn_if_address_space_is_short();

// " (the address-space limit, ulimit -v, is N MiB, ...)"; empty when there is no limit.
std::string out_of_memory_hint();
// Whether `text` already carries that hint (an error wrapped on its way out gets it once).
bool has_out_of_memory_hint(std::string_view text);

}  // namespace roz::core
