#include <fstream>

#include "file_dataset.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/datasets/resource_limits.hpp"
#include "roz/error.hpp"
#include "roz/spec.hpp"

namespace roz::datasets {

namespace fs = std::filesystem;

namespace {

class FileList final : public FileDataset {
 public:
  FileList(const fs::path& list, const fs::path& root) {
    std::ifstream in(list);
    if (!in) throw DataError("file list '" + list.string() + "': cannot open");
    std::string line;
    int line_number = 0;
    long long max_label = -1;
    while (std::getline(in, line)) {
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      // "PATH,LABEL" or "PATH LABEL": the label is after the last comma or blank.
      size_t cut = line.find_last_of(", \t");
      long long label = -1;
      std::string label_text = cut == std::string::npos ? "" : line.substr(cut + 1);
      if (cut == std::string::npos || !parse_integer(label_text, label) || label < 0)
        throw DataError("file list '" + list.string() + "', line " + std::to_string(line_number) +
                        ": expected PATH,LABEL or PATH LABEL with a non-negative integer label");
      // Class names are made for every number up to the largest label: a label like 10^11 must not
      // size that allocation (ImageNet-21k, the largest label space in use, has 21,841 classes).
      if (static_cast<unsigned long long>(label) >= resource_limits().classes)
        throw DataError("file list '" + list.string() + "', line " + std::to_string(line_number) + ": label " +
                        label_text + " is not below " + std::to_string(resource_limits().classes) +
                        " (ROZ_MAX_CLASSES)");
      std::string path = line.substr(0, cut);
      while (!path.empty() && (path.back() == ' ' || path.back() == '\t' || path.back() == ',')) path.pop_back();
      max_label = std::max(max_label, label);
      add({path, std::to_string(label), label, {}, 0, {}}, root / path);
    }
    if (samples_.empty()) throw DataError("file list '" + list.string() + "': no entries");
    name_ = list.stem().string();
    name_classes_by_number(max_label);
  }

};

}  // namespace

std::unique_ptr<Dataset> read_file_list(const fs::path& list, const fs::path& root) {
  return std::make_unique<FileList>(list, root);
}

}  // namespace roz::datasets
