#include <opencv2/imgproc.hpp>

#include "binary_file.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/error.hpp"

namespace roz::datasets {

namespace fs = std::filesystem;

namespace {

std::uint32_t big_endian(const std::string& bytes, size_t offset) {
  auto b = [&](size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

class Idx final : public Dataset {
 public:
  Idx(const fs::path& images, const fs::path& labels) : images_path_(images.string()) {
    images_ = read_maybe_gzip(images);
    std::string label_bytes = read_maybe_gzip(labels);
    auto fail = [](const fs::path& p, const std::string& what) {
      throw DataError("IDX file '" + p.string() + "': " + what);
    };
    if (images_.size() < 16 || big_endian(images_, 0) != 0x803)
      fail(images, "not an IDX image file (magic number is not 0x00000803)");
    if (label_bytes.size() < 8 || big_endian(label_bytes, 0) != 0x801)
      fail(labels, "not an IDX label file (magic number is not 0x00000801)");
    const size_t n = big_endian(images_, 4);
    const std::uint32_t rows = big_endian(images_, 8), cols = big_endian(images_, 12);
    // The header's sizes are checked on their own first: a zero side passed the size check and failed
    // later in OpenCV, and large ones could wrap the product into a match.
    if (rows < 1 || cols < 1 || rows > 65535 || cols > 65535)
      fail(images, "header says images of " + std::to_string(rows) + "x" + std::to_string(cols) +
                       " (each side must be 1 to 65535)");
    rows_ = static_cast<int>(rows);
    cols_ = static_cast<int>(cols);
    if (images_.size() != 16 + n * static_cast<size_t>(rows_) * static_cast<size_t>(cols_))
      fail(images, "truncated or oversized: header says " + std::to_string(n) + " images of " + std::to_string(rows_) +
                       "x" + std::to_string(cols_) + ", file has " + std::to_string(images_.size()) + " bytes");
    if (big_endian(label_bytes, 4) != n || label_bytes.size() != 8 + n)
      fail(labels, "holds " + std::to_string(big_endian(label_bytes, 4)) + " labels in " +
                       std::to_string(label_bytes.size()) + " bytes, the images file " + std::to_string(n));
    name_ = images.filename().string();
    int max_label = -1;
    for (size_t i = 0; i < n; ++i) {
      int label = static_cast<unsigned char>(label_bytes[8 + i]);
      max_label = std::max(max_label, label);
      samples_.push_back(
          {images.filename().string() + "#" + std::to_string(i), std::to_string(label), label, {}, i, {}});
    }
    name_classes_by_number(max_label);
  }

  cv::Mat load_(const SampleInfo& s) const override {
    const size_t size = static_cast<size_t>(rows_) * static_cast<size_t>(cols_);
    cv::Mat gray(rows_, cols_, CV_8UC1, const_cast<char*>(images_.data() + 16 + s.storage * size));
    cv::Mat rgb;
    cv::cvtColor(gray, rgb, cv::COLOR_GRAY2RGB);
    return rgb;
  }
  std::string source(const SampleInfo& s) const override { return images_path_ + "#" + std::to_string(s.storage); }

 private:
  std::string images_path_;
  std::string images_;
  int rows_ = 0, cols_ = 0;
};

}  // namespace

std::unique_ptr<Dataset> read_idx(const fs::path& images, const fs::path& labels) {
  return std::make_unique<Idx>(images, labels);
}

}  // namespace roz::datasets
