// How a metric value is written in every table RoZ prints (roz eval's, the run report's Markdown
// and HTML; JSON and summary.csv keep the stored number): shares as percentages with two decimals,
// everything else as a plain number with four. One rule, so the same value reads the same everywhere.
//   shares: top-k, accuracies, rates, pm-k, AUROC, FPR95, errors, confidences and ECE (a gap
//           between two probabilities; Guo et al. 2017 tabulate it in percent)
//   plain:  NLL (nats), ce and mce (ratios to a baseline), norms, cosines, temperatures, counts
// The rule reads the metric's name until metric values carry their unit (plugin ABI 3).
#pragma once

#include <string>

namespace roz::core {

// "72.34" for a share of 0.72341, "4.12" for an ECE of 0.04123, "0.8731" for an NLL.
std::string format_metric_value(const std::string& metric_name, double value);

}  // namespace roz::core
