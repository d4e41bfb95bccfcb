#include <algorithm>
#include <nlohmann/json.hpp>

#include "file_dataset.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/datasets/resource_limits.hpp"
#include "roz/error.hpp"
#include "roz/read_file.hpp"

namespace roz::datasets {

namespace fs = std::filesystem;

namespace {

class JsonLabels final : public FileDataset {
 public:
  JsonLabels(const fs::path& labels, const fs::path& image_root) {
    const std::string text = read_file(labels, "labels file");
    nlohmann::json map;
    try {
      map = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw DataError("labels file '" + labels.string() + "': " + e.what());
    }
    if (!map.is_object()) throw DataError("labels file '" + labels.string() + "': expected {\"image path\": label(s)}");
    std::int64_t max_label = -1;
    for (const auto& [path, value] : map.items()) {
      std::vector<std::int64_t> list;
      const auto integer = [](const nlohmann::json& v) { return v.is_number_integer(); };
      if (integer(value))
        list.push_back(value.get<std::int64_t>());
      else if (value.is_array() && !value.empty() && std::all_of(value.begin(), value.end(), integer))
        list = value.get<std::vector<std::int64_t>>();
      else
        throw DataError("labels file '" + labels.string() + "': '" + path + "' needs an integer label or a list of them");
      std::string raw;
      for (std::int64_t l : list) {
        if (l < 0) throw DataError("labels file '" + labels.string() + "': negative label for '" + path + "'");
        // Class names are made for every number up to the largest label (as for file lists).
        if (static_cast<std::uint64_t>(l) >= resource_limits().classes)
          throw DataError("labels file '" + labels.string() + "': label " + std::to_string(l) + " for '" + path +
                          "' is not below " + std::to_string(resource_limits().classes) + " (ROZ_MAX_CLASSES)");
        raw += (raw.empty() ? "" : ",") + std::to_string(l);
        max_label = std::max(max_label, l);
      }
      add({path, raw, list.front(), list.size() > 1 ? list : std::vector<std::int64_t>{}, 0, {}}, image_root / path);
    }
    if (samples_.empty()) throw DataError("labels file '" + labels.string() + "': no entries");
    name_ = labels.stem().string();
    name_classes_by_number(max_label);
  }

};

}  // namespace

std::unique_ptr<Dataset> read_json_labels(const fs::path& labels, const fs::path& image_root) {
  return std::make_unique<JsonLabels>(labels, image_root);
}

}  // namespace roz::datasets
