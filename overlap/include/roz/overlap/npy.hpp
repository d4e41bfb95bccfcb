// NumPy .npy files of 2-D embedding matrices (the LAION img_emb layout): float32 or float16, read
// and written.
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

// Reads rows of a '<f4' or '<f2' C-order 2-D array as float32 without loading the whole file: the
// index builder streams LAION-sized shards through it. Not thread-safe (one file position).
class NpyReader {
 public:
  // Reads and checks the header; throws DataError naming the file when it is not such an array or
  // is shorter than its header says.
  explicit NpyReader(const std::filesystem::path& path);
  const std::filesystem::path& path() const { return path_; }
  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  bool float16() const { return half_; }
  // Rows [first, first + count) into `out` (count x cols floats).
  void read(std::int64_t first, std::int64_t count, float* out);

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  std::int64_t rows_ = 0, cols_ = 0;
  bool half_ = false;
  std::size_t data_offset_ = 0;
  std::vector<std::uint16_t> halves_;
};

// The whole array. Throws DataError naming the file when it is not one.
NpyMatrix read_npy(const std::filesystem::path& path);

// Streams rows into a .npy whose row count is only known at the end; float16 stores them rounded
// to nearest even, as LAION's shards are.
class NpyWriter {
 public:
  NpyWriter(const std::filesystem::path& path, std::int64_t cols, bool float16 = false);
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
  bool float16_;
  bool finished_ = false;
  std::vector<std::uint16_t> halves_;
};

}  // namespace roz::overlap
