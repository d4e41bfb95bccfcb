// min_eps: the minimal-perturbation mode of any eps-parameterised attack. Per sample, the smallest
// eps of `grid` at which the attack fools the model, then a binary search between it and the grid
// value below until the interval is narrower than `tolerance`. Returns each point's adversarial at the smallest fooling
// eps found (points never fooled stay clean), so the perturbation norms the host records are the minimal budgets;
// attack_success reports their median over all points (median_min_eps), as the RoZ benchmark does.
//   min_eps:attack=(pgd:steps=10),grid=[1/255,2/255,4/255,8/255,16/255],tolerance=0.25/255
//   min_eps:attack=(transfer:source=(torchscript:path=rn50.pt),attack=(pgd:steps=10))
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <map>

#include "roz/error.hpp"
#include "roz/support/attacks/attack_ops.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "white_box_attacks_library.hpp"

namespace {

// The budget goes to the attack that takes it: an attack that nests another (`transfer`'s
// attack=, computed on its source model) passes it on, so min_eps wraps those too.
roz::Spec with_eps(roz::Spec spec, double eps) {
  for (auto& [key, value] : spec.params)
    if (key == "attack" && value.kind == roz::SpecValue::Kind::spec && value.specs.size() == 1) {
      value.specs.front() = with_eps(value.specs.front(), eps);
      return spec;
    }
  std::erase_if(spec.params, [](const auto& kv) { return kv.first == "eps"; });
  roz::SpecValue value;
  value.text = roz::format_number(eps);
  spec.params.emplace_back("eps", value);
  return spec;
}

class MinEps final : public roz::Attack {
 public:
  MinEps(const roz::Params& p, const roz::PluginContext& context)
      : host_(context.host),
        attack_(p.get_spec("attack")),
        grid_(p.get_reals("grid")),
        tolerance_(p.get_real("tolerance")) {
    if (host_ == nullptr) throw roz::Error("min_eps: created without a host, cannot create its attack");
    if (grid_.empty()) throw roz::Error("min_eps: grid is empty");
    std::sort(grid_.begin(), grid_.end());
    host_->create_attack(with_eps(attack_, grid_.front()));  // fails now, naming the attack, if it has no eps
  }

 private:
  roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override {
    using namespace roz::attacks;
    const std::int64_t n = batch.images.size(0);
    roz::AttackResult out{batch.images.detach().clone(), 0, 0};
    std::vector<double> lo(static_cast<size_t>(n), 0.0), hi(static_cast<size_t>(n), -1.0);  // hi < 0: not fooled yet
    // Runs the attack at eps on the given rows; returns which were fooled and keeps their images.
    auto attempt = [&](double eps, const std::vector<std::int64_t>& rows) {
      at::Tensor index = at::tensor(rows, at::kLong);
      SubBatch sub = select(batch, index);
      roz::AttackResult r = host_->create_attack(with_eps(attack_, eps))->perturb(target, sub.view());
      out.gradient_evaluations += r.gradient_evaluations;
      out.queries += r.queries + static_cast<std::int64_t>(rows.size());
      at::Tensor fooled;
      {
        c10::NoGradGuard no_grad;
        fooled = succeeded(target.logits(r.images), sub.labels).to(at::kCPU);
      }
      for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto i = static_cast<size_t>(rows[k]);
        if (fooled[static_cast<std::int64_t>(k)].item<bool>()) {
          hi[i] = eps;
          out.images[rows[k]].copy_(r.images[static_cast<std::int64_t>(k)]);
        } else {
          lo[i] = eps;
        }
      }
    };
    {  // Points already misclassified need no perturbation: their minimal eps is 0.
      c10::NoGradGuard no_grad;
      at::Tensor wrong = succeeded(target.logits(batch.images), batch.labels).to(at::kCPU);
      out.queries += n;
      for (std::int64_t i = 0; i < n; ++i)
        if (wrong[i].item<bool>()) hi[static_cast<size_t>(i)] = 0.0;
    }
    // Coarse: up the grid for the points not fooled yet.
    for (double eps : grid_) {
      std::vector<std::int64_t> rows;
      for (std::int64_t i = 0; i < n; ++i)
        if (hi[static_cast<size_t>(i)] < 0) rows.push_back(i);
      if (rows.empty()) break;
      attempt(eps, rows);
    }
    // Fine: bisect each [lo, hi] until it is narrower than the tolerance. Points with the same
    // interval (the same grid cell and outcomes so far) share a midpoint and are attacked together.
    for (;;) {
      std::map<std::pair<double, double>, std::vector<std::int64_t>> groups;
      for (std::int64_t i = 0; i < n; ++i) {
        const auto s = static_cast<size_t>(i);
        if (hi[s] >= 0 && hi[s] - lo[s] > tolerance_) groups[{lo[s], hi[s]}].push_back(i);
      }
      if (groups.empty()) break;
      for (const auto& [interval, rows] : groups) attempt((interval.first + interval.second) / 2, rows);
    }
    return out;
  }

  roz::Host* host_;
  roz::Spec attack_;
  std::vector<double> grid_;
  double tolerance_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_min_eps() {
  return roz::attacks::attack_descriptor(
      "min_eps", "minimal-perturbation mode: per-sample smallest eps at which an attack fools the model",
      {roz::param::required(roz::param::spec("attack", "an eps-parameterised attack, e.g. (pgd:steps=10)")),
       roz::param::real_list("grid", {1.0 / 255, 2.0 / 255, 4.0 / 255, 8.0 / 255, 16.0 / 255},
                             "eps values tried first, smallest to largest"),
       roz::param::real("tolerance", 0.25 / 255, 1e-6, 1.0, "the binary search stops below this interval width")},
      roz::kNeedsGradients, roz::factory<MinEps>());
}
