#include "roz/datasets/dataset.hpp"

#include <algorithm>
#include <map>

#include "roz/error.hpp"
#include "roz/seed.hpp"

namespace roz::datasets {

Dataset::~Dataset() = default;

cv::Mat Dataset::load(const SampleInfo& sample) const {
  cv::Mat image = load_(sample);
  if (border_crop_ == 0) return image;
  if (image.cols <= 2 * border_crop_ || image.rows <= 2 * border_crop_)
    throw DataError("'" + source(sample) + "': " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                    " image, too small for dataset '" + name_ + "''s border crop of " + std::to_string(border_crop_) +
                    " px per side");
  return image(cv::Rect(border_crop_, border_crop_, image.cols - 2 * border_crop_, image.rows - 2 * border_crop_))
      .clone();
}

std::size_t Dataset::annotate(const std::string& key, const std::map<std::string, std::string>& values) {
  std::size_t found = 0;
  for (SampleInfo& s : samples_)
    if (auto it = values.find(s.id); it != values.end()) {
      s.metadata[key] = it->second;
      ++found;
    }
  return found;
}

void Dataset::name_classes_by_number(std::int64_t max_label) {
  class_names_.clear();
  for (std::int64_t c = 0; c <= max_label; ++c) class_names_.push_back(std::to_string(c));
}

std::size_t Dataset::relabel(
    const std::function<std::optional<std::vector<std::int64_t>>(const SampleInfo&)>& labels_of) {
  std::vector<SampleInfo> kept;
  for (SampleInfo& s : samples_) {
    std::optional<std::vector<std::int64_t>> labels = labels_of(s);
    if (!labels || labels->empty()) continue;
    s.label = labels->front();
    s.accepted = labels->size() > 1 ? *labels : std::vector<std::int64_t>{};
    kept.push_back(std::move(s));
  }
  std::size_t dropped = samples_.size() - kept.size();
  samples_ = std::move(kept);
  return dropped;
}

Split split_per_class(const std::vector<SampleInfo>& samples, std::size_t per_class) {
  Split out;
  std::map<std::int64_t, std::size_t> taken;
  for (const SampleInfo& s : samples) {
    if (per_class == 0 || taken[s.label] < per_class) {
      out.first.push_back(s);
      ++taken[s.label];
    } else {
      out.rest.push_back(s);
    }
  }
  return out;
}

std::vector<SampleInfo> sample_per_class(const std::vector<SampleInfo>& samples, std::size_t k, std::uint64_t seed,
                                         const std::vector<std::string>& class_names) {
  std::map<std::int64_t, std::vector<std::pair<std::uint64_t, std::size_t>>> by_class;  // (hash, index)
  for (std::size_t i = 0; i < samples.size(); ++i)
    by_class[samples[i].label].emplace_back(derive_seed(seed, "shots", samples[i].id), i);
  for (std::size_t c = 0; c < class_names.size(); ++c)
    by_class.try_emplace(static_cast<std::int64_t>(c));  // a class without samples has fewer than K too
  std::vector<std::size_t> chosen;
  for (auto& [label, members] : by_class) {
    if (members.size() < k) {
      const bool named = label >= 0 && static_cast<std::size_t>(label) < class_names.size();
      throw DataError("--shots " + std::to_string(k) + ": class '" +
                      (named ? class_names[static_cast<std::size_t>(label)] : std::to_string(label)) + "' has only " +
                      std::to_string(members.size()) + " samples");
    }
    std::sort(members.begin(), members.end());
    for (std::size_t j = 0; j < k; ++j) chosen.push_back(members[j].second);
  }
  std::sort(chosen.begin(), chosen.end());
  std::vector<SampleInfo> out;
  for (std::size_t i : chosen) out.push_back(samples[i]);
  return out;
}

}  // namespace roz::datasets
