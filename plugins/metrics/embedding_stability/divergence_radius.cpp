#include "divergence_radius.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

namespace embedding_stability {

namespace {

// Points known only by their Gram matrix; a ball's centre is an affine combination of them.
class BallSearch {
 public:
  explicit BallSearch(const std::vector<std::vector<float>>& points) : n_(points.size()), gram_(n_ * n_) {
    // Centred on the mean first: the Gram entries stay of the points' spread, not their norm.
    const std::size_t dim = points.front().size();
    std::vector<double> mean(dim, 0.0);
    for (const auto& p : points)
      for (std::size_t k = 0; k < dim; ++k) mean[k] += p[k] / static_cast<double>(n_);
    for (std::size_t i = 0; i < n_; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        double g = 0;
        for (std::size_t k = 0; k < dim; ++k) g += (points[i][k] - mean[k]) * (points[j][k] - mean[k]);
        gram_[i * n_ + j] = gram_[j * n_ + i] = g;
      }
    order_.resize(n_);
    std::iota(order_.begin(), order_.end(), 0);
  }

  double radius(bool pivoting) {
    std::optional<Ball> ball = pivoting ? active_set() : std::nullopt;
    if (!ball) {  // the pivoting cycled (degenerate input): Welzl's recursion, exact but exponential
      std::vector<std::size_t> boundary;
      ball = search(n_, boundary);
    }
    return std::sqrt(std::max(0.0, ball->squared_radius));
  }

 private:
  struct Ball {
    std::vector<double> weights;  // of every point (zero off the boundary), summing to 1
    double centre_norm = 0;       // |centre|^2 in the centred coordinates
    double squared_radius = -1;   // negative: the empty ball
  };

  double g(std::size_t i, std::size_t j) const { return gram_[i * n_ + j]; }

  double squared_distance(std::size_t i, const Ball& b) const {
    double dot = 0;
    for (std::size_t j = 0; j < n_; ++j) dot += b.weights[j] * g(i, j);
    return g(i, i) - 2 * dot + b.centre_norm;
  }

  bool inside(std::size_t i, const Ball& b) const {
    // Relative slack for the rounding of equidistant support points.
    return b.squared_radius >= 0 && squared_distance(i, b) <= b.squared_radius * (1 + 1e-10) + 1e-14;
  }

  // The smallest ball with every boundary point on its sphere: the circumcentre in their affine hull,
  // c = b0 + sum_j a_j (b_j - b0) with 2 (b_i - b0).(c - b0) = |b_i - b0|^2. nullopt when the
  // boundary is affinely dependent (then it cannot all lie on a sphere of this kind).
  std::optional<Ball> circumball(const std::vector<std::size_t>& boundary) const {
    Ball b;
    b.weights.assign(n_, 0.0);
    if (boundary.empty()) return b;
    const std::size_t k = boundary.size() - 1, b0 = boundary[0];
    std::vector<double> a(k * (k + 1), 0.0);  // [A | rhs], row-major
    auto diff_dot = [&](std::size_t i, std::size_t j) { return g(i, j) - g(i, b0) - g(b0, j) + g(b0, b0); };
    for (std::size_t r = 0; r < k; ++r) {
      for (std::size_t c = 0; c < k; ++c) a[r * (k + 1) + c] = 2 * diff_dot(boundary[r + 1], boundary[c + 1]);
      a[r * (k + 1) + k] = diff_dot(boundary[r + 1], boundary[r + 1]);
    }
    // Gaussian elimination with partial pivoting; a pivot below the scale's noise: dependent.
    double scale = 0;
    for (std::size_t r = 0; r < k; ++r) scale = std::max(scale, std::fabs(a[r * (k + 1) + r]));
    for (std::size_t col = 0; col < k; ++col) {
      std::size_t pivot = col;
      for (std::size_t r = col + 1; r < k; ++r)
        if (std::fabs(a[r * (k + 1) + col]) > std::fabs(a[pivot * (k + 1) + col])) pivot = r;
      if (!(std::fabs(a[pivot * (k + 1) + col]) > 1e-12 * scale)) return std::nullopt;
      for (std::size_t c = 0; c <= k; ++c) std::swap(a[col * (k + 1) + c], a[pivot * (k + 1) + c]);
      for (std::size_t r = 0; r < k; ++r) {
        if (r == col) continue;
        const double f = a[r * (k + 1) + col] / a[col * (k + 1) + col];
        for (std::size_t c = col; c <= k; ++c) a[r * (k + 1) + c] -= f * a[col * (k + 1) + c];
      }
    }
    double rest = 1;
    for (std::size_t r = 0; r < k; ++r) {
      const double alpha = a[r * (k + 1) + k] / a[r * (k + 1) + r];
      b.weights[boundary[r + 1]] = alpha;
      rest -= alpha;
    }
    b.weights[b0] = rest;
    for (std::size_t i : boundary)
      for (std::size_t j : boundary) b.centre_norm += b.weights[i] * b.weights[j] * g(i, j);
    b.squared_radius = std::max(0.0, squared_distance(b0, b));
    return b;
  }

  // The support set by pivoting (Fischer, Gaertner and Kutz's idea, ESA 2003): the circumball of a
  // set S, points of negative weight dropped from S (its centre then leaves their side), the
  // farthest point outside added, until every weight is >= 0 and every point inside: the optimality
  // condition of the minimum enclosing ball, so the result is exact. Each round costs O(|S|^3 + n |S|);
  // nullopt if it has not converged after many rounds.
  std::optional<Ball> active_set() const {
    std::vector<std::size_t> support = {0};
    for (std::size_t round = 0; round < 8 * n_ + 16; ++round) {
      std::optional<Ball> ball = circumball(support);
      if (!ball) return std::nullopt;
      for (;;) {
        auto most_negative = std::min_element(support.begin(), support.end(), [&](std::size_t a, std::size_t b) {
          return ball->weights[a] < ball->weights[b];
        });
        if (support.size() <= 1 || ball->weights[*most_negative] >= -1e-12) break;
        support.erase(most_negative);
        ball = circumball(support);
        if (!ball) return std::nullopt;
      }
      std::size_t farthest = n_;
      double worst = ball->squared_radius;
      for (std::size_t i = 0; i < n_; ++i)
        if (!inside(i, *ball))
          if (const double d = squared_distance(i, *ball); d > worst) {
            worst = d;
            farthest = i;
          }
      if (farthest == n_) return ball;
      support.push_back(farthest);
    }
    return std::nullopt;
  }

  // Welzl's recursion with move-to-front: the smallest ball enclosing order_[0, end) with
  // `boundary` on its sphere.
  Ball search(std::size_t end, std::vector<std::size_t>& boundary) {
    std::optional<Ball> ball = circumball(boundary);
    if (!ball || boundary.size() == n_) return ball.value_or(Ball{std::vector<double>(n_, 0.0), 0, -1});
    for (std::size_t k = 0; k < end; ++k) {
      const std::size_t i = order_[k];
      if (inside(i, *ball)) continue;
      boundary.push_back(i);
      Ball with = search(k, boundary);
      boundary.pop_back();
      if (with.squared_radius < 0) continue;  // dependent boundary: i is already on the sphere
      ball = std::move(with);
      std::rotate(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(k),
                  order_.begin() + static_cast<std::ptrdiff_t>(k) + 1);
    }
    return *ball;
  }

  std::size_t n_;
  std::vector<double> gram_;
  std::vector<std::size_t> order_;  // the move-to-front list
};

}  // namespace

double min_enclosing_radius(const std::vector<std::vector<float>>& points) {
  return BallSearch(points).radius(true);
}

double welzl_min_enclosing_radius(const std::vector<std::vector<float>>& points) {
  return BallSearch(points).radius(false);
}

}  // namespace embedding_stability
