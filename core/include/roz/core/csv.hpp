// One CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, quote or newline.
#pragma once

#include <string>

namespace roz::core {

inline std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace roz::core
