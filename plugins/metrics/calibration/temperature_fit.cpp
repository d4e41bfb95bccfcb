// Temperature scaling fit (see temperature_fit.hpp).
#include "temperature_fit.hpp"

#include <cmath>

#include "softmax.hpp"

namespace calibration {

double fit_temperature(const std::vector<LabelledLogits>& data) {
  auto nll = [&](double log_t) {
    const double beta = std::exp(-log_t);
    double sum = 0;
    for (const auto& d : data) sum += label_nll(d.logits, d.labels, beta);
    return sum / static_cast<double>(data.size());
  };
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double lo = -5, hi = 5;
  double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
  double fa = nll(a), fb = nll(b);
  while (hi - lo > 1e-6) {
    if (fa < fb) {  // the minimum lies in [lo, b]
      hi = b;
      b = a;
      fb = fa;
      a = hi - ratio * (hi - lo);
      fa = nll(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + ratio * (hi - lo);
      fb = nll(b);
    }
  }
  return std::exp((lo + hi) / 2);
}

}  // namespace calibration
