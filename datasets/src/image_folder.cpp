#include "roz/datasets/image_folder.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "roz/error.hpp"

namespace roz::datasets {

namespace fs = std::filesystem;

namespace {

bool is_image(const fs::path& p) {
  static const std::set<std::string> kExtensions = {".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".tif", ".tiff", ".webp"};
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return kExtensions.count(ext) > 0;
}

}  // namespace

Dataset read_image_folder(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw DataError("dataset '" + root.string() + "': not a directory");
  std::vector<fs::path> class_dirs;
  for (const auto& entry : fs::directory_iterator(root, ec))
    if (entry.is_directory()) class_dirs.push_back(entry.path());
  std::sort(class_dirs.begin(), class_dirs.end());

  Dataset out;
  out.root = root;
  out.name = fs::path(root).lexically_normal().filename().string();
  if (out.name.empty()) out.name = fs::path(root).lexically_normal().parent_path().filename().string();
  for (const fs::path& dir : class_dirs) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.is_regular_file() && is_image(entry.path())) files.push_back(entry.path());
    if (files.empty()) continue;
    std::sort(files.begin(), files.end());
    std::string name = dir.filename().string();
    std::replace(name.begin(), name.end(), '_', ' ');
    auto label = static_cast<std::int64_t>(out.class_names.size());
    out.class_names.push_back(name);
    for (const fs::path& f : files)
      out.samples.push_back({fs::relative(f, root).generic_string(), f, label});
  }
  if (out.samples.empty())
    throw DataError("dataset '" + root.string() + "': no CLASS/IMAGE files found (expected the ImageFolder layout)");
  return out;
}

Split split_per_class(const std::vector<Sample>& samples, std::size_t per_class) {
  Split out;
  std::map<std::int64_t, std::size_t> taken;
  for (const Sample& s : samples) {
    if (per_class == 0 || taken[s.label] < per_class) {
      out.first.push_back(s);
      ++taken[s.label];
    } else {
      out.rest.push_back(s);
    }
  }
  return out;
}

}  // namespace roz::datasets
