// Base of the readers whose samples are image files (internal to datasets/).
#pragma once

#include <filesystem>
#include <vector>

#include "roz/datasets/dataset.hpp"
#include "roz/datasets/image_file.hpp"

namespace roz::datasets {

class FileDataset : public Dataset {
 public:
  std::string source(const SampleInfo& s) const override { return files_.at(s.storage).string(); }

 protected:
  cv::Mat load_(const SampleInfo& s) const override { return decode_rgb(files_.at(s.storage)); }

  void add(SampleInfo sample, std::filesystem::path file) {
    sample.storage = files_.size();
    samples_.push_back(std::move(sample));
    files_.push_back(std::move(file));
  }

 private:
  std::vector<std::filesystem::path> files_;
};

}  // namespace roz::datasets
