// Badoiu-Clarkson minimum enclosing ball (see min_enclosing_ball.hpp).
#include "min_enclosing_ball.hpp"

#include <cmath>
#include <utility>

namespace embedding_stability {

namespace {

double squared_distance(const std::vector<float>& p, const std::vector<double>& c) {
  double d = 0;
  for (size_t k = 0; k < p.size(); ++k) d += (p[k] - c[k]) * (p[k] - c[k]);
  return d;
}

// The farthest point from c (the first of equally far ones) and its squared distance.
std::pair<const std::vector<float>*, double> farthest(const std::vector<std::vector<float>>& points,
                                                      const std::vector<double>& c) {
  const std::vector<float>* far = &points.front();
  double best = -1;
  for (const auto& p : points)
    if (double d = squared_distance(p, c); d > best) {
      best = d;
      far = &p;
    }
  return {far, best};
}

}  // namespace

double meb_radius(const std::vector<std::vector<float>>& points, std::int64_t iterations) {
  std::vector<double> c(points.front().begin(), points.front().end());
  for (std::int64_t i = 1; i <= iterations; ++i) {
    const std::vector<float>& q = *farthest(points, c).first;
    for (size_t k = 0; k < c.size(); ++k) c[k] += (q[k] - c[k]) / static_cast<double>(i + 1);
  }
  return std::sqrt(farthest(points, c).second);
}

}  // namespace embedding_stability
