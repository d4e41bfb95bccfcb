// The IDX reader (MNIST / Fashion-MNIST, raw or gzipped; datasets/src/idx.cpp). The first byte
// splits the rest into the images file and the labels file.
#include "fuzz_input.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t images_size = (size - 1) * data[0] / 255;
  const auto images = roz::fuzz::write_input("images-idx3-ubyte", data + 1, images_size);
  const auto labels = roz::fuzz::write_input("labels-idx1-ubyte", data + 1 + images_size, size - 1 - images_size);
  try {
    const auto dataset = roz::datasets::read_idx(images, labels);
    for (std::size_t i = 0; i < dataset->samples().size() && i < 16; ++i) dataset->load(dataset->samples()[i]);
  } catch (const roz::Error&) {
  }
  return 0;
}
