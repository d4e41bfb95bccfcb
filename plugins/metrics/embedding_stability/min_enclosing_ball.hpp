// Radius of the minimum enclosing ball of a point set, by Badoiu & Clarkson's core-set iteration
// ("Smaller core-sets for balls", SODA 2003): c = p_1; for i = 1..N: q = the point farthest from c,
// c += (q - c) / (i + 1). After N iterations the radius about c, max_p |p - c|, is within a factor
// (1 + 1/sqrt(N)) of the optimum.
#pragma once

#include <cstdint>
#include <vector>

namespace embedding_stability {

// points: non-empty, all of one dimension; iterations >= 1.
double meb_radius(const std::vector<std::vector<float>>& points, std::int64_t iterations);

}  // namespace embedding_stability
