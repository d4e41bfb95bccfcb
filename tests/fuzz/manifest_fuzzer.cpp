// The dataset manifest reader (datasets/src/manifest.cpp): a manifest opens or is a DataError /
// SpecError naming the manifest and the key; a dataset that opens loads its first samples or names
// the sample's file. Beside the manifest lie small files of each format for it to name (the seed
// corpus does): an IDX pair, a file list, a JSON labels file, class-name lines, a class folder.
#include <opencv2/imgcodecs.hpp>
#include <string_view>

#include "fuzz_input.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"

namespace {

void write_text(const std::string& name, const std::string& text) {
  roz::fuzz::write_input(name, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

void write_data_files() {
  static const bool written = [] {
    const std::string images("\0\0\x08\x03\0\0\0\x02\0\0\0\x02\0\0\0\x02\x01\x02\x03\x04\x05\x06\x07\x08", 24);
    const std::string labels("\0\0\x08\x01\0\0\0\x02\0\x01", 10);
    write_text("images-idx3-ubyte", images);
    write_text("labels-idx1-ubyte", labels);
    write_text("list.csv", "cat/a.png,0\nb.png 1\n");
    write_text("labels.json", R"({"cat/a.png": 0, "b.png": [1, 0]})");
    write_text("classes.txt", "cat\ndog\nbird\n");
    write_text("subset.txt", "2\n0\n");
    std::filesystem::create_directories(roz::fuzz::scratch_dir() / "cat");
    std::filesystem::create_directories(roz::fuzz::scratch_dir() / "dog");
    const cv::Mat pixels(2, 3, CV_8UC3, cv::Scalar(10, 20, 30));
    cv::imwrite((roz::fuzz::scratch_dir() / "cat" / "a.png").string(), pixels);
    cv::imwrite((roz::fuzz::scratch_dir() / "dog" / "c.png").string(), pixels);
    cv::imwrite((roz::fuzz::scratch_dir() / "b.png").string(), pixels);
    return true;
  }();
  (void)written;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // An image_folder manifest whose root leaves the scratch directory would walk the machine's file
  // system (correct, and slow): the harness keeps such roots out.
  if (text.find("image_folder") != std::string_view::npos &&
      (text.find('/') != std::string_view::npos || text.find('$') != std::string_view::npos || text.find('~') != std::string_view::npos ||
       text.find("..") != std::string_view::npos))
    return 0;
  write_data_files();
  const std::filesystem::path manifest = roz::fuzz::write_input("manifest.yaml", data, size);
  try {
    const auto dataset = roz::datasets::open_manifest(manifest);
    for (std::size_t i = 0; i < dataset->samples().size() && i < 4; ++i) {
      try {
        dataset->load(dataset->samples()[i]);
      } catch (const roz::Error&) {
      }
    }
  } catch (const roz::Error&) {
  }
  return 0;
}
