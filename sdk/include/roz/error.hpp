// Exceptions RoZ throws. Every message names what failed: the file, the plugin, the key.
#pragma once

#include <stdexcept>
#include <string>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A malformed spec string or config value; the message points at the offending key.
class SpecError : public Error {
 public:
  using Error::Error;
};

// A parameter the plugin's schema rejects (unknown, wrong type, out of range).
class ParamError : public Error {
 public:
  using Error::Error;
};

// A plugin library that cannot be used (missing entry, ABI mismatch, duplicate name, ...).
class PluginLoadError : public Error {
 public:
  using Error::Error;
};

// An exception thrown inside a plugin, re-thrown by the host with the plugin's name and the call.
class PluginCallError : public Error {
 public:
  using Error::Error;
};

// Bad input data: a corrupt image, a wrong dimension, a missing file.
class DataError : public Error {
 public:
  using Error::Error;
};

}  // namespace roz

#pragma GCC visibility pop
