// DivergenceRadius (the embedding-robustness paper's): the radius of the minimum enclosing ball of a
// sample's original embedding and all its perturbed ones, exact up to floating point: found by
// pivoting on the support set until the optimality condition holds (the centre a convex combination
// of support points equidistant from it, every other point inside), with Welzl's algorithm
// (move-to-front, as Gaertner's Miniball) as the fallback should the pivoting cycle. Both work on
// the points' Gram matrix, so their cost after the Gram is independent of the embedding's dimension.
// Pure functions, thread-safe.
//
//   double r = min_enclosing_radius({e0, e1, e2});   // unit-norm embeddings: r in [0, 1]
#pragma once

#include <vector>

namespace embedding_stability {

// The smallest radius of a ball containing every point; points: non-empty, of one dimension.
double min_enclosing_radius(const std::vector<std::vector<float>>& points);

// The same by Welzl's recursion alone: exact, but exponential in the number of points when all of
// them lie on the ball (random points in high dimension: 1 s for 21 points). The reference the
// tests hold the pivoting to.
double welzl_min_enclosing_radius(const std::vector<std::vector<float>>& points);

}  // namespace embedding_stability
