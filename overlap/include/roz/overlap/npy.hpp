// NumPy .npy files of 2-D embedding matrices (the LAION img_emb layout): float32 written, float32
// or float16 read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace roz::overlap {

struct NpyMatrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> data;  // row-major
};

// Reads '<f4' or '<f2' C-order 2-D arrays. Throws DataError naming the file when it is not one.
NpyMatrix read_npy(const std::filesystem::path& path);

// Streams rows into a float32 .npy whose row count is only known at the end.
class NpyWriter {
 public:
  NpyWriter(const std::filesystem::path& path, std::int64_t cols);
  ~NpyWriter();
  void append(const float* row_major, std::int64_t rows);
  // Writes the final row count into the header and closes the file. Throws on I/O errors.
  void finish();
  std::int64_t rows() const { return rows_; }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  std::int64_t cols_;
  std::int64_t rows_ = 0;
  bool finished_ = false;
};

}  // namespace roz::overlap
