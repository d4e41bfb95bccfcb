// How a metric value is written in every table RoZ prints (roz eval's, the run report's Markdown
// and HTML; JSON and summary.csv keep the stored number and name its unit), by the unit the metric
// gave it (roz/metric.hpp), never by its name. One rule, so the same value reads the same everywhere:
//   fraction  as a percentage with two decimals (accuracies, rates, AUROC, FPR95, errors, ECE: a gap
//             between two probabilities, which Guo et al. 2017 tabulate in percent)
//   percent   with two decimals
//   count     as an integer
//   number, ratio, nats, seconds  with four decimals (norms, cosines, CE and mCE, NLL, ...)
#pragma once

#include <string>

#include "roz/metric.hpp"

namespace roz::core {

// "72.34" for a fraction of 0.72341, "4.12" for an ECE of 0.04123, "0.8731" for an NLL in nats.
std::string format_metric_value(Unit unit, double value);

}  // namespace roz::core
