// String maps (condition attributes, record metadata) are stored as JSON objects in text columns.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace roz::core {

inline std::map<std::string, std::string> attributes_from(const std::string& text) {
  if (text.empty()) return {};
  return nlohmann::json::parse(text).get<std::map<std::string, std::string>>();
}

}  // namespace roz::core
