#include "roz/core/guard.hpp"

namespace roz::core {

std::string plugin_error_message(const std::exception& e) {
  std::string text = e.what();
  for (const char* marker : {"\nException raised from", "\nFrame ", "\nTraceback"}) {
    auto pos = text.find(marker);
    if (pos != std::string::npos) text.resize(pos);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace roz::core
