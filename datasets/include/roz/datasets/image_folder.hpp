// ImageFolder layout: ROOT/CLASS/IMAGE, one sub-directory per class (torchvision convention).
#pragma once

#include <filesystem>

#include "roz/datasets/dataset.hpp"

namespace roz::datasets {

// Classes are the sub-directories in sorted order (underscores read as spaces in class names);
// images are files with a common image extension, sorted. Throws DataError naming the root when
// it is missing or holds no class with an image.
Dataset read_image_folder(const std::filesystem::path& root);

// The first `per_class` samples of every class (all when 0), and the rest.
struct Split {
  std::vector<Sample> first;
  std::vector<Sample> rest;
};
Split split_per_class(const std::vector<Sample>& samples, std::size_t per_class);

}  // namespace roz::datasets
