// The .npy embedding reader (overlap/src/npy.cpp): a file is a float32 / float16 matrix whose
// header matches its size, or a DataError naming it.
#include <algorithm>
#include <vector>

#include "fuzz_input.hpp"
#include "roz/error.hpp"
#include "roz/overlap/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = roz::fuzz::write_input("embeddings.npy", data, size);
  try {
    roz::overlap::NpyReader reader(path);
    const std::int64_t rows = std::min<std::int64_t>(reader.rows(), 8);
    std::vector<float> out(static_cast<std::size_t>(rows * reader.cols()));
    reader.read(reader.rows() - rows, rows, out.data());
    roz::overlap::read_npy(path);
  } catch (const roz::Error&) {
  }
  return 0;
}
