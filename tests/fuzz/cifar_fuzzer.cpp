// The CIFAR binary reader (datasets/src/cifar_binary.cpp). The first byte picks the record layout:
// CIFAR-10 (one label byte) or CIFAR-100 (coarse and fine label bytes, either one read).
#include "fuzz_input.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int label_bytes = 1 + data[0] % 2, label_byte = (data[0] / 2) % label_bytes;
  const auto batch = roz::fuzz::write_input("data_batch.bin", data + 1, size - 1);
  try {
    const auto dataset = roz::datasets::read_cifar_binary({batch}, label_bytes, label_byte);
    for (std::size_t i = 0; i < dataset->samples().size() && i < 16; ++i) dataset->load(dataset->samples()[i]);
  } catch (const roz::Error&) {
  }
  return 0;
}
