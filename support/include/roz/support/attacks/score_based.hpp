// Score-based black-box attacks: they see only the classifier's scores (no gradients), through
// forward passes counted as queries. The margin loss max_{j != y} z_j - z_y is maximised; a point
// is fooled once it is positive.
#pragma once

#include <memory>
#include <vector>

#include "roz/support/attacks/attack_ops.hpp"
#include "roz/params.hpp"

namespace roz::attacks {

// Logits of many images without gradients, in chunks of `chunk` images.
at::Tensor scores(Classifier& target, const at::Tensor& images, std::int64_t chunk = 256);

// Finite-difference gradient estimate of the margin loss at x from `samples` antithetic pairs
// x +- sigma * u: u Gaussian (NES, Ilyas et al. 2018) or Rademacher (SPSA, Uesato et al. 2018),
// drawn per sample from (seed, stream). Adds 2 * samples queries per point to `queries`.
at::Tensor estimate_gradient(Classifier& target, const at::Tensor& x, const at::Tensor& labels,
                             std::span<const std::uint64_t> seeds, std::uint64_t stream, int samples, double sigma,
                             bool rademacher, std::int64_t& queries);

// NES and SPSA: projected steps along estimated gradients (sign steps for L-inf, normalised for
// L2); a point stops at its first misclassified iterate. Their shared parameters and the attack.
std::vector<ParamSpec> estimated_gradient_params();
std::unique_ptr<Plugin> make_estimated_gradient_attack(const Params& params, bool rademacher, const std::string& name);

}  // namespace roz::attacks
