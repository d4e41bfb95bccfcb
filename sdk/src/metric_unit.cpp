// The names of metric units, as reports and the results store write them.
#include "roz/metric.hpp"

namespace roz {

namespace {

constexpr Unit kUnits[] = {Unit::number, Unit::fraction, Unit::percent, Unit::ratio,
                           Unit::nats,   Unit::count,    Unit::seconds};

}  // namespace

std::string_view to_string(Unit unit) {
  switch (unit) {
    case Unit::number:
      return "number";
    case Unit::fraction:
      return "fraction";
    case Unit::percent:
      return "percent";
    case Unit::ratio:
      return "ratio";
    case Unit::nats:
      return "nats";
    case Unit::count:
      return "count";
    case Unit::seconds:
      return "seconds";
  }
  return "?";
}

std::optional<Unit> parse_unit(std::string_view text) {
  for (Unit u : kUnits)
    if (to_string(u) == text) return u;
  return std::nullopt;
}

}  // namespace roz
