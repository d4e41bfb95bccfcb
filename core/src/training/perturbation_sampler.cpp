#include "perturbation_sampler.hpp"

#include <cmath>
#include <random>

#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/corruption.hpp"
#include "roz/error.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace {

constexpr int kRealSteps = 1000;

Spec with_value(Spec spec, const std::string& name, double value) {
  for (auto& [key, v] : spec.params)
    if (key == name) v.text = format_number(value);
  return spec;
}

}  // namespace

PerturbationSampler::PerturbationSampler(PluginHost& host, const std::string& spec)
    : host_(host), spec_(parse_spec(spec)) {
  const std::string what = "roz train: perturbation '" + spec + "'";
  // The schema, from the plugin's descriptor (resolving the spec itself would reject the ranges).
  const PluginDescriptor& descriptor = *host.registry().find(PluginKind::corruption, spec_.name).descriptor;
  for (const auto& [key, value] : spec_.params) {
    const auto dots = value.text.find("..");
    if (value.kind != SpecValue::Kind::scalar || dots == std::string::npos) continue;
    Range r;
    r.name = key;
    if (!parse_number(value.text.substr(0, dots), r.lo) || !parse_number(value.text.substr(dots + 2), r.hi) ||
        !(r.lo <= r.hi))
      throw SpecError(what + ": parameter '" + key + "': a range is lo..hi with numbers lo <= hi");
    for (const ParamSpec& p : descriptor.params)
      if (p.name == key) r.integer = p.type == ParamType::integer;
    if (r.integer && (r.lo != std::floor(r.lo) || r.hi != std::floor(r.hi)))
      throw SpecError(what + ": parameter '" + key + "' is an integer: its range needs integer ends");
    ranges_.push_back(r);
  }
  // Both ends of every range must be valid values (the plugin's own bounds and names apply).
  Spec lo = spec_, hi = spec_;
  for (const Range& r : ranges_) {
    lo = with_value(lo, r.name, r.lo);
    hi = with_value(hi, r.name, r.hi);
  }
  Spec described = parse_spec(host.resolve(PluginKind::corruption, lo).spec);
  const Spec at_hi = parse_spec(host.resolve(PluginKind::corruption, hi).spec);
  for (const Range& r : ranges_)
    for (auto& [key, value] : described.params)
      if (key == r.name) value.text += ".." + at_hi.find(key)->text;
  description_ = described.to_string();
}

std::shared_ptr<Corruption> PerturbationSampler::corruption(std::uint64_t seed) const {
  std::mt19937_64 rng(derive_seed(seed, "perturbation-draw", ""));
  Spec drawn = spec_;
  for (const Range& r : ranges_) {
    double v = 0;
    if (r.integer) {
      v = static_cast<double>(
          std::uniform_int_distribution<long long>(static_cast<long long>(r.lo), static_cast<long long>(r.hi))(rng));
    } else {
      v = r.lo + (r.hi - r.lo) * std::uniform_int_distribution<int>(0, kRealSteps)(rng) / kRealSteps;
    }
    drawn = with_value(drawn, r.name, v);
  }
  const std::string key = drawn.to_string();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = created_.find(key);
  if (it == created_.end()) it = created_.emplace(key, host_.create_corruption(drawn)).first;
  return it->second;
}

std::vector<PerturbationSampler::Draw> PerturbationSampler::apply(const std::vector<cv::Mat>& images,
                                                                  std::span<const std::uint64_t> seeds,
                                                                  std::span<const std::int64_t> labels,
                                                                  std::span<const std::string> ids,
                                                                  std::span<const std::string> class_names) const {
  std::vector<Draw> out(images.size());
  parallel_for(images.size(), host_.threads(), [&](std::size_t i) {
    CorruptionInput input{images[i], derive_seed(seeds[i], "perturbation-noise", ""), labels[i], class_names, ids[i]};
    CorruptionOutput result = corruption(seeds[i])->apply(input);
    out[i].skipped = result.skipped;
    out[i].image = std::move(result.image);
  });
  return out;
}

}  // namespace roz::core
