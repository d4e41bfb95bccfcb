// Every table writes a metric value by its unit (roz::Unit), never by its name.
#include <gtest/gtest.h>

#include "roz/core/metric_display.hpp"

namespace roz {
namespace {

TEST(MetricDisplay, EachUnitHasOneWay) {
  EXPECT_EQ(core::format_metric_value(Unit::fraction, 0.72341), "72.34");  // a share, in percent
  EXPECT_EQ(core::format_metric_value(Unit::fraction, 0.04123), "4.12");   // ECE
  EXPECT_EQ(core::format_metric_value(Unit::percent, 4.123), "4.12");
  EXPECT_EQ(core::format_metric_value(Unit::nats, 0.87314), "0.8731");   // NLL
  EXPECT_EQ(core::format_metric_value(Unit::ratio, 0.76712), "0.7671");  // mCE
  EXPECT_EQ(core::format_metric_value(Unit::count, 500), "500");
  EXPECT_EQ(core::format_metric_value(Unit::number, 0.03137), "0.0314");  // a norm
}

TEST(MetricDisplay, UnitsRoundTripThroughTheirNames) {
  for (Unit u : {Unit::number, Unit::fraction, Unit::percent, Unit::ratio, Unit::nats, Unit::count, Unit::seconds})
    EXPECT_EQ(parse_unit(to_string(u)), u) << to_string(u);
  EXPECT_EQ(parse_unit("percentage"), std::nullopt);
}

}  // namespace
}  // namespace roz
