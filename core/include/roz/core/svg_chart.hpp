// Small inline-SVG charts for the self-contained HTML report (no scripts, no network): line charts
// (accuracy vs severity, robust accuracy vs eps, reliability diagrams), horizontal bar charts
// (accuracy per condition) and scatter plots with a fitted line (effective robustness). Every mark
// carries a <title> with its exact value, shown as a tooltip.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace roz::core::svg {

enum class Scale { linear, logit };  // logit: probit-like axis of Taori et al.'s robustness plots

struct Axis {
  std::string label;
  double min = 0, max = 1;
  Scale scale = Scale::linear;
  bool percent = false;  // tick labels as percentages
};

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y)
  bool dashed = false;
};

struct Chart {
  std::string title;
  Axis x, y;
  int width = 440, height = 280;
};

std::string line_chart(const Chart& chart, const std::vector<Series>& series);
// Markers only, plus an optional straight line y = slope * x + intercept in the axes' (scaled) space.
std::string scatter_chart(const Chart& chart, const std::vector<Series>& series,
                          std::optional<std::pair<double, double>> line = std::nullopt);
// One horizontal bar per (label, value); x is the value axis.
std::string bar_chart(const Chart& chart, const std::vector<std::pair<std::string, double>>& bars);

std::string escape(const std::string& text);  // for HTML text and attributes

}  // namespace roz::core::svg
