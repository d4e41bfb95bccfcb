#include "roz/core/metric_display.hpp"

#include <iomanip>
#include <sstream>

namespace roz::core {

std::string format_metric_value(Unit unit, double value) {
  std::ostringstream s;
  s << std::fixed;
  switch (unit) {
    case Unit::fraction:
      s << std::setprecision(2) << 100 * value;
      break;
    case Unit::percent:
      s << std::setprecision(2) << value;
      break;
    case Unit::count:
      s << std::setprecision(0) << value;
      break;
    default:
      s << std::setprecision(4) << value;
      break;
  }
  return s.str();
}

}  // namespace roz::core
