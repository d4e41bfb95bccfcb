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
  // The list the class names were taken from (a manifest's class file, e.g. ImageNet's 1000 names)
  // and each class's position in it: an image classifier over that list keeps those logits even
  // where a name appears twice (CLIP's ImageNet names have two 'missile's and two 'sunglasses').
  // Empty when the classes are the dataset's own.
  const std::vector<std::string>& class_source() const { return class_source_; }
  const std::vector<std::int64_t>& class_source_indices() const { return class_source_indices_; }
  // Per head class, the stored class it counts for when a map gives several head classes one stored
  // class (ObjectNet's ImageNet classes per ObjectNet folder); empty when each head class is its own.
  const std::vector<std::int64_t>& class_groups() const { return class_groups_; }
  void set_class_groups(std::vector<std::int64_t> groups) { class_groups_ = std::move(groups); }

  // CV_8UC3 RGB at the stored size, less the border the dataset crops (set_border_crop). Thread-safe.
  // Throws DataError naming the file (and record). Readers implement load_.
  cv::Mat load(const SampleInfo& sample) const;
  // Where a sample comes from, for messages: a path, or FILE#INDEX.
  virtual std::string source(const SampleInfo& sample) const = 0;

  void set_name(std::string name) { name_ = std::move(name); }
  void set_class_names(std::vector<std::string> names) { class_names_ = std::move(names); }
  void set_class_source(std::vector<std::string> source, std::vector<std::int64_t> indices) {
    class_source_ = std::move(source);
    class_source_indices_ = std::move(indices);
  }
  void set_templates(std::vector<std::string> templates) { templates_ = std::move(templates); }
  // Pixels cut from every side of every image as it loads, before any resize: ObjectNet's release
  // has a thin border that imagenet-testbed crops (2 px, PIL's ImageOps.crop). An image too small
  // for it is a DataError naming the file.
  void set_border_crop(int pixels) { border_crop_ = pixels; }
  int border_crop() const { return border_crop_; }
  // Relabels every sample from its raw class: the labels it is correct for (first = its label), or
  // nothing to drop it (a class outside the evaluated subset). Returns the number dropped.
  std::size_t relabel(const std::function<std::optional<std::vector<std::int64_t>>(const SampleInfo&)>& labels_of);
  // Sets metadata[key] of the samples whose id `values` names; returns how many it found.
  std::size_t annotate(const std::string& key, const std::map<std::string, std::string>& values);

 protected:
  // The image as stored: CV_8UC3 RGB. Thread-safe.
  virtual cv::Mat load_(const SampleInfo& sample) const = 0;
  // Class names "0".."max_label", for readers whose files store label numbers only.
  void name_classes_by_number(std::int64_t max_label);

  std::string name_;
  std::vector<std::string> class_names_;
  std::vector<std::string> templates_;
  std::vector<SampleInfo> samples_;

 private:
  std::vector<std::string> class_source_;
  std::vector<std::int64_t> class_source_indices_;
  std::vector<std::int64_t> class_groups_;
  int border_crop_ = 0;
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
