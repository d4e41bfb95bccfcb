// The dataset readers. Each returns a Dataset whose labels are the stored ones (class names are
// the folder names, or the label numbers) until a manifest renames and remaps them.
#pragma once

#include <filesystem>
#include <memory>

#include "roz/datasets/dataset.hpp"

namespace roz::datasets {

// ROOT/CLASS/IMAGE, one sub-directory per class in sorted order (torchvision's ImageFolder).
std::unique_ptr<Dataset> read_image_folder(const std::filesystem::path& root);

// IDX files (MNIST, Fashion-MNIST), gzip-compressed or raw: an images file (magic 0x803, N x rows x
// cols) and a labels file (magic 0x801, N). Wrong magic or a truncated file is a DataError naming it.
std::unique_ptr<Dataset> read_idx(const std::filesystem::path& images, const std::filesystem::path& labels);

// CIFAR binary batches: records of `label_bytes` label bytes (CIFAR-10: 1; CIFAR-100: 2, coarse then
// fine) and 3072 image bytes (R, G, B planes of 32x32); `label_byte` picks which label byte to use.
std::unique_ptr<Dataset> read_cifar_binary(const std::vector<std::filesystem::path>& batches, int label_bytes,
                                           int label_byte);

// A list of images with integer labels, one per line: "PATH,LABEL" or "PATH LABEL" (ImageNet's
// val.txt format); paths relative to `root`; blank lines and lines starting with '#' are skipped.
std::unique_ptr<Dataset> read_file_list(const std::filesystem::path& list, const std::filesystem::path& root);

// A JSON object mapping image paths (relative to `image_root`) to an integer label or a list of them
// (several labels: frames showing several classes, as in ImageNet-Vid-Robust's labels.json). The raw
// class of a sample is its labels joined by commas.
std::unique_ptr<Dataset> read_json_labels(const std::filesystem::path& labels, const std::filesystem::path& image_root);

}  // namespace roz::datasets
