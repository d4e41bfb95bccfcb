#include "roz/core/metric_display.hpp"

#include <iomanip>
#include <sstream>

namespace roz::core {

namespace {

bool is_share(const std::string& name) {
  return name.starts_with("top") || name.starts_with("pm") || name.starts_with("auroc") ||
         name.starts_with("fpr95") || name.starts_with("ece") || name.find("accuracy") != std::string::npos ||
         name.find("rate") != std::string::npos || name.ends_with("error") || name.ends_with("confidence");
}

}  // namespace

std::string format_metric_value(const std::string& name, double value) {
  const bool share = is_share(name);
  std::ostringstream s;
  s << std::fixed << std::setprecision(share ? 2 : 4) << (share ? 100 * value : value);
  return s.str();
}

}  // namespace roz::core
