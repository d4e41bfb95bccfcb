#include "roz/core/metric_display.hpp"

#include <iomanip>
#include <sstream>

namespace roz::core {

namespace {

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool is_share(const std::string& name) {
  return starts_with(name, "top") || starts_with(name, "pm") || starts_with(name, "auroc") ||
         starts_with(name, "fpr95") || starts_with(name, "ece") || name.find("accuracy") != std::string::npos ||
         name.find("rate") != std::string::npos || ends_with(name, "error") || ends_with(name, "confidence");
}

std::string format_metric_value(const std::string& name, double value) {
  const bool share = is_share(name);
  std::ostringstream s;
  s << std::fixed << std::setprecision(share ? 2 : 4) << (share ? 100 * value : value);
  return s.str();
}

}  // namespace roz::core
