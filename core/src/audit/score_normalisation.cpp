#include "roz/core/score_normalisation.hpp"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "roz/error.hpp"

namespace roz::core {

namespace {

std::string ordinal(std::int64_t n) {
  const std::int64_t tens = n % 100, ones = n % 10;
  const char* suffix = tens >= 11 && tens <= 13 ? "th" : ones == 1 ? "st" : ones == 2 ? "nd" : ones == 3 ? "rd" : "th";
  return std::to_string(n) + suffix;
}

constexpr std::int64_t kBlock = 1024;  // query rows per matrix product: 1024 x n floats at a time

}  // namespace

std::string ScoreNormalisation::score_name() const {
  if (!enabled()) return "cosine";
  return fmt::format("cosine - {:g} x the {} nearest other evaluation image's cosine", beta, ordinal(neighbour));
}

std::vector<double> background_offsets(const float* rows, std::int64_t n, std::int64_t dim,
                                       const ScoreNormalisation& normalisation) {
  std::vector<double> offsets(static_cast<std::size_t>(n), 0.0);
  if (!normalisation.enabled()) return offsets;
  if (normalisation.neighbour >= n)
    throw Error(
        fmt::format("score normalisation: the {} nearest other image needs at least {} evaluation images, "
                    "there are {}",
                    ordinal(normalisation.neighbour), normalisation.neighbour + 1, n));
  const at::Tensor all = at::from_blob(const_cast<float*>(rows), {n, dim}, at::kFloat);
  for (std::int64_t first = 0; first < n; first += kBlock) {
    const std::int64_t count = std::min(kBlock, n - first);
    at::Tensor cosines = at::matmul(all.slice(0, first, first + count), all.t());
    // Each row's own column out of the ranking (an exact duplicate elsewhere in the set still counts).
    const at::Tensor self = at::arange(first, first + count, at::kLong).unsqueeze(1);
    cosines.scatter_(1, self, -std::numeric_limits<float>::infinity());
    const at::Tensor nth = std::get<0>(cosines.topk(normalisation.neighbour, 1)).select(1, -1).contiguous();
    const float* values = nth.data_ptr<float>();
    for (std::int64_t i = 0; i < count; ++i)
      offsets[static_cast<std::size_t>(first + i)] = normalisation.beta * static_cast<double>(values[i]);
  }
  return offsets;
}

}  // namespace roz::core
