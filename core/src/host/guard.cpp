#include "roz/core/guard.hpp"

namespace roz::core {

std::string error_message(const std::exception& e) {
  std::string text = e.what();
  // The TorchScript interpreter puts its own summary first and the real error on the last line.
  const std::string interpreter = "The following operation failed in the TorchScript interpreter.";
  if (text.rfind(interpreter, 0) == 0) {
    std::string last;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = std::min(text.find('\n', pos), text.size());
      if (end > pos) last = text.substr(pos, end - pos);
      pos = end + 1;
    }
    return "TorchScript: " + last;
  }
  for (const char* marker : {"\nException raised from", "\nFrame ", "\nframe #", "\nTraceback"}) {
    auto pos = text.find(marker);
    if (pos != std::string::npos) text.resize(pos);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace roz::core
