#include "roz/core/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace roz::core::svg {

namespace {

// A colour-blind-safe palette (Okabe-Ito).
const char* const kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"};

double logit(double p) {
  p = std::clamp(p, 1e-4, 1 - 1e-4);
  return std::log(p / (1 - p));
}

double transform(const Axis& a, double v) {
  return a.scale == Scale::logit ? logit(v) : v;
}

std::string number(double v, bool percent) {
  if (std::abs(v) < 1e-12) v = 0;  // no "-0"
  std::ostringstream s;
  s.setf(std::ios::fixed);
  if (percent) {
    s.precision(std::abs(v * 100 - std::round(v * 100)) < 1e-9 ? 0 : 1);
    s << v * 100 << "%";
  } else {
    s.precision(std::abs(v - std::round(v)) < 1e-9 ? 0 : (std::abs(v) < 0.1 ? 3 : 2));
    s << v;
  }
  return s.str();
}

// Plot area and the mapping from data to pixels.
class Frame {
 public:
  explicit Frame(Chart c, int left = 56) : c_(std::move(c)), left_(left) {}
  double px(double x) const { return left_ + (transform(c_.x, x) - lo(c_.x)) / span(c_.x) * plot_width(); }
  double py(double y) const { return top_ + (hi(c_.y) - transform(c_.y, y)) / span(c_.y) * plot_height(); }
  double plot_width() const { return c_.width - left_ - right_; }
  double plot_height() const { return c_.height - top_ - bottom_; }
  int left() const { return left_; }
  int top() const { return top_; }

  void open(std::ostringstream& out, const std::string& kind) const {
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart " << kind << "\" width=\"" << c_.width
        << "\" height=\"" << c_.height << "\" viewBox=\"0 0 " << c_.width << " " << c_.height << "\" role=\"img\">"
        << "<title>" << escape(c_.title) << "</title>"
        << "<text x=\"" << c_.width / 2 << "\" y=\"16\" text-anchor=\"middle\" class=\"chart-title\">"
        << escape(c_.title) << "</text>";
  }
  void axes(std::ostringstream& out, bool x_ticks = true) const {
    out << "<rect x=\"" << left_ << "\" y=\"" << top_ << "\" width=\"" << plot_width() << "\" height=\""
        << plot_height() << "\" fill=\"none\" stroke=\"#999\"/>";
    for (double t : ticks(c_.y)) {
      const double y = py(t);
      out << "<line x1=\"" << left_ << "\" x2=\"" << left_ + plot_width() << "\" y1=\"" << y << "\" y2=\"" << y
          << "\" stroke=\"#eee\"/><text x=\"" << left_ - 4 << "\" y=\"" << y + 4
          << "\" text-anchor=\"end\" class=\"tick\">" << number(t, c_.y.percent) << "</text>";
    }
    if (x_ticks)
      for (double t : ticks(c_.x)) {
        const double x = px(t);
        out << "<text x=\"" << x << "\" y=\"" << top_ + plot_height() + 14
            << "\" text-anchor=\"middle\" class=\"tick\">" << number(t, c_.x.percent) << "</text>";
      }
    out << "<text x=\"" << left_ + plot_width() / 2 << "\" y=\"" << c_.height - 4
        << "\" text-anchor=\"middle\" class=\"axis-label\">" << escape(c_.x.label) << "</text>"
        << "<text transform=\"rotate(-90)\" x=\"" << -(top_ + plot_height() / 2)
        << "\" y=\"12\" text-anchor=\"middle\" "
        << "class=\"axis-label\">" << escape(c_.y.label) << "</text>";
  }
  void legend(std::ostringstream& out, const std::vector<Series>& series) const {
    if (series.size() < 2) return;
    for (std::size_t i = 0; i < series.size(); ++i) {
      const double y = top_ + 10 + 13.0 * static_cast<double>(i);
      const double x = left_ + plot_width() + 6;
      out << "<rect x=\"" << x << "\" y=\"" << y - 8 << "\" width=\"9\" height=\"9\" fill=\"" << colour(i)
          << "\"/><text x=\"" << x + 12 << "\" y=\"" << y << "\" class=\"legend\">" << escape(series[i].name)
          << "</text>";
    }
  }
  void set_right(int right) { right_ = right; }
  static const char* colour(std::size_t i) { return kColours[i % (sizeof kColours / sizeof kColours[0])]; }

 private:
  static double lo(const Axis& a) { return transform(a, a.min); }
  static double hi(const Axis& a) { return transform(a, a.max); }
  static double span(const Axis& a) { return std::max(hi(a) - lo(a), 1e-12); }
  static std::vector<double> ticks(const Axis& a) {
    if (a.scale == Scale::logit) {
      std::vector<double> out;
      for (double t : {0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99})
        if (t >= a.min && t <= a.max) out.push_back(t);
      return out;
    }
    const double range = a.max - a.min;
    const double raw = range / 5, magnitude = std::pow(10, std::floor(std::log10(std::max(raw, 1e-12))));
    double step = magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
      if (raw <= m * magnitude) {
        step = m * magnitude;
        break;
      }
    std::vector<double> out;
    for (double t = std::ceil(a.min / step - 1e-9) * step; t <= a.max + 1e-9 * step; t += step) out.push_back(t);
    return out;
  }

  Chart c_;
  int left_, top_ = 26, right_ = 12, bottom_ = 34;
};

int legend_width(const std::vector<Series>& series) {
  if (series.size() < 2) return 12;
  std::size_t longest = 0;
  for (const Series& s : series) longest = std::max(longest, s.name.size());
  return 24 + static_cast<int>(std::min<std::size_t>(longest, 28) * 6);
}

// A chart widened for its legend, opened and with its axes drawn.
Frame framed(const Chart& chart, const std::vector<Series>& series, const std::string& kind, std::ostringstream& out) {
  Chart wide = chart;
  wide.width += legend_width(series);
  Frame f(wide);
  f.set_right(legend_width(series));
  f.open(out, kind);
  f.axes(out);
  return f;
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string line_chart(const Chart& chart, const std::vector<Series>& series) {
  std::ostringstream out;
  const Frame f = framed(chart, series, "line", out);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    out << "<polyline class=\"series\" fill=\"none\" stroke=\"" << Frame::colour(i) << "\" stroke-width=\"2\""
        << (s.dashed ? " stroke-dasharray=\"4 3\"" : "") << " points=\"";
    for (const auto& [x, y] : s.points) out << f.px(x) << "," << f.py(y) << " ";
    out << "\"/>";
    for (const auto& [x, y] : s.points)
      out << "<circle cx=\"" << f.px(x) << "\" cy=\"" << f.py(y) << "\" r=\"3\" fill=\"" << Frame::colour(i)
          << "\"><title>" << escape(s.name) << ": " << number(x, chart.x.percent) << " -> "
          << number(y, chart.y.percent) << "</title></circle>";
  }
  f.legend(out, series);
  out << "</svg>";
  return out.str();
}

std::string scatter_chart(const Chart& chart, const std::vector<Series>& series,
                          std::optional<std::pair<double, double>> line) {
  std::ostringstream out;
  const Frame f = framed(chart, series, "scatter", out);
  if (line) {
    // The fit is linear in the scaled axes: draw it through many points so it reads on any scale.
    out << "<polyline class=\"fit\" fill=\"none\" stroke=\"#555\" stroke-dasharray=\"5 3\" points=\"";
    for (int i = 0; i <= 50; ++i) {
      const double x = chart.x.min + (chart.x.max - chart.x.min) * i / 50.0;
      const double tx = chart.x.scale == Scale::logit ? logit(x) : x;
      const double ty = line->first * tx + line->second;
      const double y = chart.y.scale == Scale::logit ? 1 / (1 + std::exp(-ty)) : ty;
      if (y >= chart.y.min && y <= chart.y.max) out << f.px(x) << "," << f.py(y) << " ";
    }
    out << "\"><title>fit: " << line->first << " x + " << line->second << "</title></polyline>";
  }
  for (std::size_t i = 0; i < series.size(); ++i)
    for (const auto& [x, y] : series[i].points)
      out << "<circle class=\"series\" cx=\"" << f.px(x) << "\" cy=\"" << f.py(y) << "\" r=\"5\" fill=\""
          << Frame::colour(i) << "\"><title>" << escape(series[i].name) << ": (" << number(x, chart.x.percent) << ", "
          << number(y, chart.y.percent) << ")</title></circle>";
  f.legend(out, series);
  out << "</svg>";
  return out.str();
}

std::string bar_chart(const Chart& chart, const std::vector<std::pair<std::string, double>>& bars) {
  std::size_t longest = 0;
  for (const auto& b : bars) longest = std::max(longest, b.first.size());
  const int label_width = 12 + static_cast<int>(std::min<std::size_t>(longest, 40) * 6);
  Chart tall = chart;
  tall.height = std::max(chart.height, 60 + 16 * static_cast<int>(bars.size()));
  Frame f(tall, label_width);
  std::ostringstream out;
  f.open(out, "bar");
  // Bars run along x; the y axis only places them.
  Chart along = tall;
  out << "<rect x=\"" << f.left() << "\" y=\"" << f.top() << "\" width=\"" << f.plot_width() << "\" height=\""
      << f.plot_height() << "\" fill=\"none\" stroke=\"#999\"/>";
  const double row = f.plot_height() / std::max<double>(1, static_cast<double>(bars.size()));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& [label, value] = bars[i];
    const double y = f.top() + row * static_cast<double>(i);
    const double x0 = f.px(std::max(along.x.min, 0.0)), x1 = f.px(std::clamp(value, along.x.min, along.x.max));
    const std::string shown = label.size() > 40 ? label.substr(0, 37) + "..." : label;
    out << "<text x=\"" << f.left() - 4 << "\" y=\"" << y + row * 0.7 << "\" text-anchor=\"end\" class=\"tick\">"
        << escape(shown) << "</text><rect class=\"series\" x=\"" << std::min(x0, x1) << "\" y=\"" << y + row * 0.15
        << "\" width=\"" << std::abs(x1 - x0) << "\" height=\"" << row * 0.7 << "\" fill=\"" << Frame::colour(0)
        << "\"><title>" << escape(label) << ": " << number(value, chart.x.percent) << "</title></rect>";
  }
  out << "<text x=\"" << f.left() + f.plot_width() / 2 << "\" y=\"" << tall.height - 4
      << "\" text-anchor=\"middle\" class=\"axis-label\">" << escape(chart.x.label) << "</text></svg>";
  return out.str();
}

}  // namespace roz::core::svg
