// The HTML report's charts (inline SVG, roz/core/svg_chart.hpp) drawn from the report model.
#pragma once

#include <string>

#include "report/report_model.hpp"

namespace roz::core {

// A dataset's charts: accuracy against corruption severity (one chart per corruption, one line per
// model), robust accuracy against eps (one line per attack family and model), and the reliability
// diagram of every clean condition with calibration bins. Empty when there is nothing to draw.
std::string dataset_charts(const Results& d, const std::string& dataset);

// Effective robustness: each shift dataset's clean accuracy against the in-distribution one, per
// model, on logit axes, with the fit the effective_robustness metric used.
std::string effective_robustness_charts(const Results& d);

}  // namespace roz::core
