#include "roz/core/guard.hpp"

#include <new>

#include "roz/core/address_space.hpp"

namespace roz::core {

namespace {

std::string without_backtrace(const std::string& what) {
  std::string text = what;
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

}  // namespace

std::string error_message(const std::exception& e) {
  std::string text = without_backtrace(e.what());
  // Out of memory (LibTorch's, OpenCV's and the C library's messages all say "allocate"): under
  // ulimit -v, say so, once, however often the error is wrapped on its way out.
  const bool out_of_memory =
      dynamic_cast<const std::bad_alloc*>(&e) != nullptr || text.find("allocate") != std::string::npos;
  if (out_of_memory && !has_out_of_memory_hint(text)) text += out_of_memory_hint();
  return text;
}

}  // namespace roz::core
