#include <algorithm>
#include <set>

#include "file_dataset.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/error.hpp"
#include "utf8.hpp"

namespace roz::datasets {

namespace fs = std::filesystem;

namespace {

bool is_image(const fs::path& p) {
  static const std::set<std::string> kExtensions = {".jpg", ".jpeg", ".png", ".bmp", ".ppm",
                                                    ".pgm", ".tif", ".tiff", ".webp"};
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return kExtensions.count(ext) > 0;
}

class ImageFolder final : public FileDataset {
 public:
  explicit ImageFolder(const fs::path& root) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) throw DataError("dataset '" + root.string() + "': not a directory");
    std::vector<fs::path> class_dirs;
    for (const auto& entry : fs::directory_iterator(root, ec))
      if (entry.is_directory()) class_dirs.push_back(entry.path());
    std::sort(class_dirs.begin(), class_dirs.end());
    name_ = fs::path(root).lexically_normal().filename().string();
    if (name_.empty()) name_ = fs::path(root).lexically_normal().parent_path().filename().string();
    for (const fs::path& dir : class_dirs) {
      std::vector<fs::path> images;
      for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
        if (entry.is_regular_file() && is_image(entry.path())) images.push_back(entry.path());
      if (images.empty()) continue;
      std::sort(images.begin(), images.end());
      std::string folder = dir.filename().string(), name = folder;
      if (!is_utf8(folder))
        throw DataError("dataset '" + root.string() + "': class folder '" + escape_non_utf8(folder) +
                        "' is not named in UTF-8 (class names become prompts): rename it");
      std::replace(name.begin(), name.end(), '_', ' ');
      auto label = static_cast<std::int64_t>(class_names_.size());
      class_names_.push_back(name);
      for (const fs::path& f : images) add({fs::relative(f, root).generic_string(), folder, label, {}, 0, {}}, f);
    }
    if (samples_.empty())
      throw DataError("dataset '" + root.string() + "': no CLASS/IMAGE files found (expected the ImageFolder layout)");
  }

};

}  // namespace

std::unique_ptr<Dataset> read_image_folder(const fs::path& root) { return std::make_unique<ImageFolder>(root); }

}  // namespace roz::datasets
