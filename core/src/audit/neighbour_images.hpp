// The pixels of pre-training images found by an audit: from the dataset `roz embed` read them from
// (the ids file's `dataset`), or from an image path (`source`). External sets (LAION embeddings) have
// neither: their images cannot be verified. Not thread-safe (it caches opened datasets).
#pragma once

#include <opencv2/core/mat.hpp>

#include <map>
#include <memory>
#include <string>

#include "roz/datasets/dataset.hpp"
#include "roz/overlap/ids.hpp"

namespace roz::core {

class NeighbourImages {
 public:
  // The image, or empty when the row names no dataset or file. A dataset or file that is named but
  // cannot be read throws DataError naming it.
  cv::Mat load(const overlap::RowInfo& row);

 private:
  struct Opened {
    std::unique_ptr<datasets::Dataset> dataset;
    std::map<std::string, std::size_t> by_id;
  };
  Opened& open(const std::string& name);
  std::map<std::string, Opened> opened_;
};

}  // namespace roz::core
