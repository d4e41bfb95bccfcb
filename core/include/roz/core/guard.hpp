// Every call into plugin code goes through guard_call: whatever the plugin throws comes back as a
// PluginCallError naming the plugin and the call, never as a crash.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "roz/error.hpp"

namespace roz::core {

// e.what() without what LibTorch appends to it (a C++ backtrace, the TorchScript interpreter's
// preamble), and for an out-of-memory error under ulimit -v the limit (address_space.hpp): the
// line a user needs. For every error roz prints, not only plugins'.
std::string error_message(const std::exception& e);

template <class F>
decltype(auto) guard_call(const std::string& plugin, const char* call, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const PluginCallError&) {
    throw;  // already names the (nested) plugin that failed
  } catch (const std::exception& e) {
    throw PluginCallError(plugin + ": " + call + " failed: " + error_message(e));
  } catch (...) {
    throw PluginCallError(plugin + ": " + call + " failed with an unknown exception");
  }
}

}  // namespace roz::core
