// Square Attack, L-inf (Andriushchenko et al. 2020): a score-based random search. It starts from
// random +-eps vertical stripes; each query redraws one random square window, per channel, to
// +-eps around the clean image, and keeps it if the margin loss improves. The window's share of the
// image, p, starts at p_init and halves on the paper's schedule (iterations 10, 50, 200, 500, 1000,
// 2000, 4000, 6000, 8000 of 10,000, rescaled to the query budget).
#include <ATen/ATen.h>

#include <cmath>
#include <random>

#include "roz/plugin.hpp"
#include "score_based.hpp"

namespace {

double square_share(double p_init, int query, int budget) {
  const int it = static_cast<int>(static_cast<double>(query) / budget * 10000);
  double p = p_init;
  for (int boundary : {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000})
    if (it > boundary) p /= 2;
  return p;
}

class Square final : public roz::Attack {
 public:
  Square(const roz::Params& p, const roz::PluginContext&)
      : eps_(p.get_real("eps")), queries_(static_cast<int>(p.get_int("queries"))), p_init_(p.get_real("p_init")) {}

  roz::AttackResult perturb(roz::Classifier& target, const roz::AttackBatch& batch) override {
    using namespace roz::attacks;
    return attack_correct_only(target, batch, [&](const roz::AttackBatch& b) {
      const std::int64_t n = b.images.size(0), c = b.images.size(1), h = b.images.size(2), w = b.images.size(3);
      roz::AttackResult out{b.images.detach().clone(), 0, 0};
      std::vector<std::mt19937_64> rng;
      for (std::int64_t i = 0; i < n; ++i) rng.emplace_back(sample_stream(b.seeds[static_cast<size_t>(i)], 3000));
      // Vertical stripes: one sign per (channel, column).
      at::Tensor stripes = at::empty({n, c, 1, w}, at::kFloat);
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < c * w; ++j)
          stripes[i].view(-1)[j] = std::bernoulli_distribution(0.5)(rng[static_cast<size_t>(i)]) ? eps_ : -eps_;
      at::Tensor clean = b.images;
      at::Tensor x = project(clean + stripes.to(clean.options()), clean, eps_, Norm::linf);
      at::Tensor loss = loss_per_sample(scores(target, x), b.labels, Loss::margin);
      out.queries += n;
      for (int q = 1; q < queries_; ++q) {
        at::Tensor active = loss.le(0).to(at::kCPU).nonzero().squeeze(1);  // not fooled yet
        if (active.numel() == 0) break;
        const double share = square_share(p_init_, q, queries_);
        const auto side = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::lround(std::sqrt(share * h * w))), 1, std::min(h, w) - 1);
        at::Tensor candidate = x.index_select(0, active.to(x.device())).clone();
        const auto* rows = active.data_ptr<std::int64_t>();
        for (std::int64_t a = 0; a < active.numel(); ++a) {
          auto& g = rng[static_cast<size_t>(rows[a])];
          const std::int64_t top = std::uniform_int_distribution<std::int64_t>(0, h - side)(g);
          const std::int64_t left = std::uniform_int_distribution<std::int64_t>(0, w - side)(g);
          at::Tensor window = candidate[a].narrow(1, top, side).narrow(2, left, side);
          at::Tensor original = clean[rows[a]].narrow(1, top, side).narrow(2, left, side);
          for (std::int64_t ch = 0; ch < c; ++ch)
            window[ch].copy_(original[ch] + (std::bernoulli_distribution(0.5)(g) ? eps_ : -eps_));
        }
        candidate = project(candidate, clean.index_select(0, active.to(x.device())), eps_, Norm::linf);
        at::Tensor labels = b.labels.index_select(0, active.to(b.labels.device()));
        at::Tensor new_loss = loss_per_sample(scores(target, candidate), labels, Loss::margin);
        out.queries += active.numel();
        at::Tensor better = new_loss.gt(loss.index_select(0, active.to(loss.device())));
        at::Tensor better_rows = active.to(x.device()).masked_select(better);
        x.index_copy_(0, better_rows, candidate.index_select(0, better.nonzero().squeeze(1)));
        loss.index_copy_(0, better_rows, new_loss.masked_select(better));
      }
      out.images = x;
      check_in_ball(out.images, b.images, eps_, Norm::linf, "square");
      return out;
    });
  }

 private:
  double eps_;
  int queries_;
  double p_init_;
};

roz::PluginDescriptor describe() {
  return {.name = "square",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "Square Attack (L-inf): score-based random search over square windows, query budget",
          .params = {roz::param::real("eps", 8.0 / 255, 0.0, 1.0, "L-inf budget in [0,1] pixel units"),
                     roz::param::integer("queries", 1000, 1, 1000000, "query budget per point"),
                     roz::param::real("p_init", 0.05, 0.0001, 1.0, "initial share of the image a square covers")},
          .capabilities = roz::kNeedsScoresOnly,
          .create = roz::factory<Square>()};
}

}  // namespace

ROZ_PLUGIN(describe)
