#include <opencv2/core.hpp>

#include "binary_file.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/error.hpp"

namespace roz::datasets {

namespace fs = std::filesystem;

namespace {

constexpr size_t kSide = 32, kPlane = kSide * kSide, kImageBytes = 3 * kPlane;

class CifarBinary final : public Dataset {
 public:
  CifarBinary(const std::vector<fs::path>& batches, int label_bytes, int label_byte)
      : label_bytes_(static_cast<size_t>(label_bytes)) {
    if (label_bytes < 1 || label_byte < 0 || label_byte >= label_bytes)
      throw DataError("CIFAR reader: label_byte must be below label_bytes");
    if (batches.empty()) throw DataError("CIFAR reader: no batch files given");
    const size_t record = label_bytes_ + kImageBytes;
    int max_label = -1;
    for (const fs::path& batch : batches) {
      std::string bytes = read_maybe_gzip(batch);
      if (bytes.empty() || bytes.size() % record != 0)
        throw DataError("CIFAR batch '" + batch.string() + "': " + std::to_string(bytes.size()) +
                        " bytes is not a whole number of " + std::to_string(record) + "-byte records (truncated?)");
      for (size_t i = 0; i < bytes.size() / record; ++i) {
        int label = static_cast<unsigned char>(bytes[i * record + static_cast<size_t>(label_byte)]);
        max_label = std::max(max_label, label);
        samples_.push_back({batch.filename().string() + "#" + std::to_string(i),
                            std::to_string(label),
                            label,
                            {},
                            records_.size(),
                            {}});
        records_.push_back({batches_.size(), i * record + label_bytes_});
      }
      batches_.push_back({batch.string(), std::move(bytes)});
    }
    name_ = batches.front().parent_path().filename().string();
    name_classes_by_number(max_label);
  }

  cv::Mat load_(const SampleInfo& s) const override {
    const Record& r = records_.at(s.storage);
    const char* p = batches_[r.batch].second.data() + r.offset;
    // Stored as R, G and B planes; merge them into interleaved RGB.
    std::vector<cv::Mat> planes;
    for (size_t c = 0; c < 3; ++c)
      planes.emplace_back(static_cast<int>(kSide), static_cast<int>(kSide), CV_8UC1, const_cast<char*>(p + c * kPlane));
    cv::Mat rgb;
    cv::merge(planes, rgb);
    return rgb;
  }

  std::string source(const SampleInfo& s) const override {
    const Record& r = records_.at(s.storage);
    return batches_[r.batch].first + "#" + std::to_string((r.offset - label_bytes_) / (label_bytes_ + kImageBytes));
  }

 private:
  struct Record {
    size_t batch;
    size_t offset;  // of the image bytes
  };
  size_t label_bytes_;
  std::vector<std::pair<std::string, std::string>> batches_;  // path, bytes
  std::vector<Record> records_;
};

}  // namespace

std::unique_ptr<Dataset> read_cifar_binary(const std::vector<fs::path>& batches, int label_bytes, int label_byte) {
  return std::make_unique<CifarBinary>(batches, label_bytes, label_byte);
}

}  // namespace roz::datasets
