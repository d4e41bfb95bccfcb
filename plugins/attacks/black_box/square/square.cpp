// Square Attack (Andriushchenko et al. 2020): a score-based random search that keeps a proposal when
// the margin loss improves. Each query changes one random square window, whose share of the image,
// p, starts at p_init and halves on the paper's schedule (iterations 10, 50, 200, 500, 1000, 2000,
// 4000, 6000, 8000 of 10,000, rescaled to the query budget).
//   L-inf: starts from random +-eps vertical stripes; a proposal redraws the window, per channel, to
//          +-eps around the clean image.
//   L2:    starts from a grid of "meta-pattern" squares (two halves of opposite sign, each peaked at
//          its centre); a proposal moves the perturbation's mass from a second window into the first,
//          rebuilt as a fresh meta-pattern plus the old content, keeping ||delta||_2 = eps.
// Windows and signs are drawn per sample from its own seed.
#include <ATen/ATen.h>

#include <cmath>
#include <random>

#include "black_box_attacks_library.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "roz/support/attacks/score_based.hpp"

namespace {

using roz::attacks::Norm;

double square_share(double p_init, int query, int budget) {
  const int it = static_cast<int>(static_cast<double>(query) / budget * 10000);
  double p = p_init;
  for (int boundary : {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000})
    if (it > boundary) p /= 2;
  return p;
}

bool coin(std::mt19937_64& g) {
  return std::bernoulli_distribution(0.5)(g);
}

at::Tensor window(const at::Tensor& image, std::int64_t top, std::int64_t left, std::int64_t side) {
  return image.narrow(1, top, side).narrow(2, left, side);
}

// The reference's pseudo-Gaussian rectangle: nested centred rectangles adding 1/(r+1)^2, unit L2 norm.
at::Tensor pseudo_gaussian_rectangle(std::int64_t rows, std::int64_t cols) {
  at::Tensor d = at::zeros({rows, cols}, at::kFloat);
  std::int64_t r = rows / 2, c = cols / 2;
  for (std::int64_t k = 0; k < std::max(rows / 2 + 1, cols / 2 + 1); ++k, --r, --c) {
    const std::int64_t r0 = std::max<std::int64_t>(r, 0), r1 = std::min(r + 2 * k + 1, rows);
    const std::int64_t c0 = std::max<std::int64_t>(c, 0), c1 = std::min(c + 2 * k + 1, cols);
    if (r1 > r0 && c1 > c0) d.narrow(0, r0, r1 - r0).narrow(1, c0, c1 - c0).add_(1.0 / double((k + 1) * (k + 1)));
  }
  return d / d.pow(2).sum().sqrt();
}

// Two pseudo-Gaussian halves of opposite sign, unit norm, transposed with probability 1/2.
at::Tensor meta_pattern(std::int64_t side, std::mt19937_64& g) {
  at::Tensor d = at::zeros({side, side}, at::kFloat);
  const std::int64_t half = side / 2;
  d.narrow(0, 0, half).copy_(pseudo_gaussian_rectangle(half, side));
  d.narrow(0, half, side - half).copy_(-pseudo_gaussian_rectangle(side - half, side));
  d /= d.pow(2).sum().sqrt();
  return coin(g) ? d.t().contiguous() : d;
}

at::Tensor l2_normalised(const at::Tensor& delta) {
  return delta / delta.pow(2).sum().sqrt().clamp_min(1e-12);
}

class Square final : public roz::Attack {
 public:
  Square(const roz::Params& p, const roz::PluginContext&)
      : Attack(roz::ThreatModel{roz::attacks::parse_norm(p.get_string("norm")), p.get_real("eps")}),
        eps_(p.get_real("eps")),
        norm_(roz::attacks::parse_norm(p.get_string("norm"))),
        queries_(static_cast<int>(p.get_int("queries"))),
        p_init_(p.get_real("p_init")) {}

 private:
  roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override {
    using namespace roz::attacks;
    return attack_correct_only(target, batch, [&](const roz::AttackBatch& b) {
      const std::int64_t n = b.images.size(0);
      roz::AttackResult out{b.images.detach().clone(), 0, 0};
      std::vector<std::mt19937_64> rng;
      for (std::int64_t i = 0; i < n; ++i) rng.emplace_back(sample_stream(b.seeds[static_cast<size_t>(i)], 3000));
      const at::Tensor clean = b.images;
      at::Tensor x = at::empty_like(clean);
      for (std::int64_t i = 0; i < n; ++i) x[i].copy_(start(clean[i], rng[static_cast<size_t>(i)]));
      at::Tensor loss = loss_per_sample(scores(target, x), b.labels, Loss::margin);
      out.queries += n;
      for (int q = 1; q < queries_; ++q) {
        at::Tensor active = loss.le(0).to(at::kCPU).nonzero().squeeze(1);  // not fooled yet
        if (active.numel() == 0) break;
        const double share = square_share(p_init_, q, queries_);
        at::Tensor candidate = x.index_select(0, active.to(x.device())).clone();
        const auto* rows = active.data_ptr<std::int64_t>();
        for (std::int64_t a = 0; a < active.numel(); ++a)
          candidate[a].copy_(propose(candidate[a], clean[rows[a]], share, rng[static_cast<size_t>(rows[a])]));
        at::Tensor labels = b.labels.index_select(0, active.to(b.labels.device()));
        at::Tensor new_loss = loss_per_sample(scores(target, candidate), labels, Loss::margin);
        out.queries += active.numel();
        at::Tensor better = new_loss.gt(loss.index_select(0, active.to(loss.device())));
        at::Tensor better_rows = active.to(x.device()).masked_select(better);
        x.index_copy_(0, better_rows, candidate.index_select(0, better.nonzero().squeeze(1)));
        loss.index_copy_(0, better_rows, new_loss.masked_select(better));
      }
      out.images = x;
      return out;
    });
  }

  at::Tensor start(const at::Tensor& clean, std::mt19937_64& g) const {
    const std::int64_t c = clean.size(0), h = clean.size(1), w = clean.size(2);
    if (norm_ == Norm::linf) {  // vertical stripes: one sign per (channel, column)
      at::Tensor stripes = at::empty({c, 1, w}, at::kFloat);
      for (std::int64_t j = 0; j < c * w; ++j) stripes.view(-1)[j] = coin(g) ? eps_ : -eps_;
      return roz::attacks::project(clean + stripes.to(clean.options()), clean, eps_, Norm::linf);
    }
    // A grid of meta-patterns, about 5 x 5 of side h / 5, centred, random sign per channel.
    const std::int64_t side = std::max<std::int64_t>(h / 5, 2);
    const std::int64_t top0 = (h - side * (h / side)) / 2, left0 = (w - side * (w / side)) / 2;
    at::Tensor delta = at::zeros({c, h, w}, at::kFloat);
    for (std::int64_t top = top0; top + side <= h; top += side)
      for (std::int64_t left = left0; left + side <= w; left += side) {
        at::Tensor pattern = meta_pattern(side, g);
        for (std::int64_t ch = 0; ch < c; ++ch) window(delta, top, left, side)[ch] += coin(g) ? pattern : -pattern;
      }
    return (clean + eps_ * l2_normalised(delta).to(clean.options())).clamp(0.0, 1.0);
  }

  at::Tensor propose(const at::Tensor& current, const at::Tensor& clean, double share, std::mt19937_64& g) const {
    const std::int64_t c = clean.size(0), h = clean.size(1), w = clean.size(2);
    auto position = [&](std::int64_t side, std::int64_t extent) {
      return std::uniform_int_distribution<std::int64_t>(0, extent - side)(g);
    };
    if (norm_ == Norm::linf) {
      const auto side = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::lround(std::sqrt(share * h * w))), 1,
                                                 std::min(h, w) - 1);
      const std::int64_t top = position(side, h), left = position(side, w);
      at::Tensor next = current.clone();
      at::Tensor win = window(next, top, left, side);
      at::Tensor original = window(clean, top, left, side);
      for (std::int64_t ch = 0; ch < c; ++ch) win[ch].copy_(original[ch] + (coin(g) ? eps_ : -eps_));
      return roz::attacks::project(next, clean, eps_, Norm::linf);
    }
    auto side = std::max<std::int64_t>(std::lround(std::sqrt(share * h * w)), 3);
    if (side % 2 == 0) ++side;
    side = std::min(side, std::min(h, w));
    const std::int64_t top = position(side, h), left = position(side, w);
    const std::int64_t top2 = position(side, h), left2 = position(side, w);
    at::Tensor delta = (current - clean).to(at::kFloat);
    at::Tensor first = window(delta, top, left, side);
    at::Tensor mask = at::zeros({1, h, w}, delta.options());
    window(mask, top, left, side).fill_(1);
    window(mask, top2, left2, side).fill_(1);
    const double image_norm2 = delta.pow(2).sum().item<double>();
    const double windows_norm2 = (delta * mask).pow(2).sum().item<double>();
    // Built on the host (a side x side pattern, not an image) and moved once to the images' device.
    at::Tensor pattern = meta_pattern(side, g).to(delta.device());
    at::Tensor fresh = at::empty({c, side, side}, delta.options());
    for (std::int64_t ch = 0; ch < c; ++ch) {
      at::Tensor old = first[ch];
      fresh[ch] = (coin(g) ? pattern : -pattern) + old / (old.pow(2).sum().sqrt() + 1e-12);
    }
    // Each channel of the new window carries the windows' old mass plus the budget still unused.
    const double mass = std::sqrt(std::max(eps_ * eps_ - image_norm2, 0.0) / double(c) + windows_norm2);
    fresh = fresh / (fresh.pow(2).sum({1, 2}, true).sqrt() + 1e-12) * mass;
    window(delta, top2, left2, side).zero_();
    window(delta, top, left, side).copy_(fresh);
    return (clean + eps_ * l2_normalised(delta).to(clean.options())).clamp(0.0, 1.0);
  }

  double eps_;
  Norm norm_;
  int queries_;
  double p_init_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_square() {
  return roz::attacks::attack_descriptor(
      "square", "Square Attack (L-inf or L2): score-based random search over square windows, query budget",
      {roz::param::real("eps", 8.0 / 255, 0.0, 1000.0, "budget in [0,1] pixel units (L-inf or L2)"),
       roz::param::choice("norm", "linf", {"linf", "l2"}, "threat model"),
       roz::param::integer("queries", 1000, 1, 1000000, "query budget per point"),
       roz::param::real("p_init", 0.05, 0.0001, 1.0, "initial share of the image a square covers (L2 paper: 0.1)")},
      roz::kNeedsScoresOnly, roz::factory<Square>());
}
