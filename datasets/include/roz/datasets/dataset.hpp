// A labelled image collection as the evaluator sees it: samples with stable ids, the head's class
// names and prompt templates, and thread-safe image loading.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <vector>

namespace roz::datasets {

struct SampleInfo {
  std::string id;           // stable across runs (relative path, or FILE#INDEX): seeds and resuming key on it
  std::string raw_class;    // the class as the files name it: folder name, or the stored label number
  std::int64_t label = -1;  // index into class_names()
  std::vector<std::int64_t> accepted;  // labels counted as correct when several are (ObjectNet); empty: {label}
  std::size_t storage = 0;             // the reader's own index (file, record)
  // Facts about the sample that metrics read from its records, e.g. pm_anchor (the anchor frame of
  // its ImageNet-Vid-Robust pm-k set).
  std::map<std::string, std::string> metadata;
};

class Dataset {
 public:
  virtual ~Dataset();

  const std::string& name() const { return name_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  const std::vector<std::string>& templates() const { return templates_; }
  const std::vector<SampleInfo>& samples() const { return samples_; }

  // CV_8UC3 RGB at the stored size. Thread-safe. Throws DataError naming the file (and record).
  virtual cv::Mat load(const SampleInfo& sample) const = 0;
  // Where a sample comes from, for messages: a path, or FILE#INDEX.
  virtual std::string source(const SampleInfo& sample) const = 0;

  void set_name(std::string name) { name_ = std::move(name); }
  void set_class_names(std::vector<std::string> names) { class_names_ = std::move(names); }
  void set_templates(std::vector<std::string> templates) { templates_ = std::move(templates); }
  // Relabels every sample from its raw class: the labels it is correct for (first = its label), or
  // nothing to drop it (a class outside the evaluated subset). Returns the number dropped.
  std::size_t relabel(const std::function<std::optional<std::vector<std::int64_t>>(const SampleInfo&)>& labels_of);
  // Sets metadata[key] of the samples whose id `values` names; returns how many it found.
  std::size_t annotate(const std::string& key, const std::map<std::string, std::string>& values);

 protected:
  // Class names "0".."max_label", for readers whose files store label numbers only.
  void name_classes_by_number(std::int64_t max_label);

  std::string name_;
  std::vector<std::string> class_names_;
  std::vector<std::string> templates_;
  std::vector<SampleInfo> samples_;
};

// The first `per_class` samples of every class (all when 0), and the rest, in dataset order.
struct Split {
  std::vector<SampleInfo> first;
  std::vector<SampleInfo> rest;
};
Split split_per_class(const std::vector<SampleInfo>& samples, std::size_t per_class);

// The few-shot protocol's K samples of every class: each class's samples ordered by a hash of
// `seed` and their id (so neither file order nor the other classes decide), the first K kept, in
// dataset order. Throws DataError naming the class (by `class_names`) when one has fewer than K.
std::vector<SampleInfo> sample_per_class(const std::vector<SampleInfo>& samples, std::size_t k, std::uint64_t seed,
                                         const std::vector<std::string>& class_names);

}  // namespace roz::datasets
