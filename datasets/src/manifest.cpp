#include "roz/datasets/manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "roz/datasets/readers.hpp"
#include "roz/error.hpp"
#include "roz/read_file.hpp"
#include "roz/spec.hpp"
#include "utf8.hpp"

namespace roz::datasets {

namespace fs = std::filesystem;

namespace {

class ManifestReader {
 public:
  explicit ManifestReader(fs::path path) : path_(std::move(path)), dir_(path_.parent_path()) {
    try {
      root_ = YAML::LoadFile(path_.string());
    } catch (const YAML::BadFile&) {
      throw DataError("dataset manifest '" + path_.string() + "': cannot open");
    } catch (const YAML::Exception& e) {
      throw DataError("dataset manifest '" + path_.string() + "': malformed YAML at line " +
                      std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!root_.IsMap()) throw DataError("dataset manifest '" + path_.string() + "': expected a map of keys");
    static const std::set<std::string> kKeys = {"name",      "reader",      "root",       "images",  "labels",
                                                "batches",   "label_bytes", "label_byte", "list",    "classes",
                                                "templates", "image_dir",   "class_keys", "pm_sets", "description",
                                                "source",    "license",     "border_crop"};
    for (const auto& entry : root_) {
      if (!entry.first.IsScalar()) fail("(top level)", "a key must be a word, not a list or a map");
      if (!kKeys.count(entry.first.Scalar())) fail(entry.first.Scalar(), "unknown key");
    }
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw DataError("dataset manifest '" + path_.string() + "': key '" + key + "': " + what);
  }

  std::unique_ptr<Dataset> open() {
    std::string reader = text("reader");
    fs::path root = has("root") ? resolve(expand(text("root"))) : dir_;
    std::unique_ptr<Dataset> dataset;
    if (reader == "image_folder") {
      dataset = read_image_folder(root);
    } else if (reader == "idx") {
      dataset = read_idx(root / text("images"), root / text("labels"));
    } else if (reader == "cifar_binary") {
      std::vector<fs::path> batches;
      for (const std::string& b : strings("batches")) batches.push_back(root / b);
      int label_bytes = has("label_bytes") ? integer("label_bytes") : 1;
      dataset = read_cifar_binary(batches, label_bytes, has("label_byte") ? integer("label_byte") : label_bytes - 1);
    } else if (reader == "file_list") {
      dataset = read_file_list(root / text("list"), root);
    } else if (reader == "json_labels") {
      dataset = read_json_labels(root / text("labels"), has("image_dir") ? root / text("image_dir") : root);
    } else {
      fail("reader", "'" + reader + "' is not one of image_folder, idx, cifar_binary, file_list, json_labels");
    }
    dataset->set_name(has("name") ? text("name") : path_.stem().string());
    if (has("classes")) apply_classes(*dataset);
    if (has("templates")) dataset->set_templates(lines_or_list("templates"));
    if (has("pm_sets")) apply_pm_sets(*dataset, root);
    if (has("border_crop")) {
      const int border = integer("border_crop");
      if (border < 0 || border > 1024) fail("border_crop", "expected 0 to 1024 pixels per side");
      dataset->set_border_crop(border);
    }
    return dataset;
  }

 private:
  bool has(const std::string& key) const { return static_cast<bool>(root_[key]); }

  std::string text(const std::string& key) const { return scalar(root_[key], key); }

  // A single value under `key` (a map or a list there is an error, not a yaml-cpp exception).
  std::string scalar(const YAML::Node& node, const std::string& key) const {
    if (!node) fail(key, "missing");
    if (!node.IsScalar()) fail(key, "expected a single value");
    return node.Scalar();
  }

  int integer(const std::string& key) const {
    long long v = 0;
    if (!parse_integer(text(key), v) || v < INT_MIN || v > INT_MAX) fail(key, "expected an integer");
    return static_cast<int>(v);
  }

  std::vector<std::string> strings(const std::string& key) const {
    YAML::Node node = root_[key];
    if (node && node.IsScalar()) return {node.Scalar()};
    if (!node || !node.IsSequence()) fail(key, "expected a list");
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(scalar(item, key));
    return out;
  }

  // ${VAR} and ${VAR:-default}, so manifests can point at data wherever users keep it.
  std::string expand(const std::string& value) const {
    std::string out;
    for (size_t i = 0; i < value.size();) {
      if (value.compare(i, 2, "${") == 0) {
        size_t end = value.find('}', i);
        if (end == std::string::npos) fail("root", "unterminated ${...}");
        std::string inner = value.substr(i + 2, end - i - 2);
        size_t dash = inner.find(":-");
        std::string var = inner.substr(0, dash);
        const char* env = std::getenv(var.c_str());
        if (env != nullptr && *env != '\0')
          out += env;
        else if (dash != std::string::npos)
          out += inner.substr(dash + 2);
        else
          fail("root", "environment variable " + var + " is not set");
        i = end + 1;
      } else {
        out += value[i++];
      }
    }
    return out;
  }

  fs::path resolve(const fs::path& p) const { return p.is_absolute() ? p : dir_ / p; }

  // pm_sets: {anchor frame: [its similar neighbour frames]} (ImageNet-Vid-Robust / YTBB-Robust
  // pmsets.json, frame paths as in the labels file): every frame of a set gets metadata pm_anchor =
  // its anchor, which the anchor_accuracy (pm-k) metric groups by.
  void apply_pm_sets(Dataset& dataset, const fs::path& root) const {
    const fs::path file = root / text("pm_sets");
    const std::string json = read_side_file("pm_sets", file);
    std::map<std::string, std::string> anchor_of;
    try {
      const nlohmann::json sets = nlohmann::json::parse(json);
      if (!sets.is_object()) fail("pm_sets", "'" + file.string() + "': expected {\"anchor frame\": [frames]}");
      for (const auto& [anchor, frames] : sets.items()) {
        anchor_of[anchor] = anchor;
        for (const auto& frame : frames) anchor_of[frame.get<std::string>()] = anchor;
      }
    } catch (const nlohmann::json::exception& e) {
      fail("pm_sets", "'" + file.string() + "': " + e.what());
    }
    if (dataset.annotate("pm_anchor", anchor_of) == 0)
      fail("pm_sets", "no frame of '" + file.string() + "' is a sample of the dataset");
  }

  // A file the manifest names under `key`, whole; an error names the manifest, the key and the file.
  std::string read_side_file(const std::string& key, const fs::path& file) const {
    try {
      return read_file(file, "file");
    } catch (const DataError& e) {
      fail(key, e.what());
    }
  }

  std::vector<std::string> read_lines(const std::string& key, const fs::path& file) const {
    std::istringstream in(read_side_file(key, resolve(file)));
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }

  // A list, or {file: F[, subset: S]}: the lines of F, or the lines of F at the indices listed in S.
  // Class names and templates, each checked to be UTF-8 (they become prompts).
  // `source`, when given, receives the whole file's lines and each entry's line number.
  std::vector<std::string> lines_or_list(
      const std::string& key, std::pair<std::vector<std::string>, std::vector<std::int64_t>>* source = nullptr) const {
    std::vector<std::string> entries = raw_lines_or_list(key, source);
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (!is_utf8(entries[i]))
        fail(key, "entry " + std::to_string(i + 1) + " ('" + escape_non_utf8(entries[i]) +
                      "') is not valid UTF-8 (save the file as UTF-8)");
    return entries;
  }

  std::vector<std::string> raw_lines_or_list(
      const std::string& key, std::pair<std::vector<std::string>, std::vector<std::int64_t>>* source) const {
    YAML::Node node = root_[key];
    if (node.IsSequence()) return strings(key);
    if (!node.IsMap() || !node["file"]) fail(key, "expected a list or {file: ..., subset: ...}");
    std::vector<std::string> lines = read_lines(key, scalar(node["file"], key + ".file"));
    std::vector<std::int64_t> indices;
    if (!node["subset"]) {
      for (std::size_t i = 0; i < lines.size(); ++i) indices.push_back(static_cast<std::int64_t>(i));
    } else {
      for (const std::string& index_text : read_lines(key, scalar(node["subset"], key + ".subset"))) {
        long long index = -1;
        if (!parse_integer(index_text, index) || index < 0 || index >= static_cast<long long>(lines.size()))
          fail(key, "subset index '" + index_text + "' is not a line of the file");
        indices.push_back(index);
      }
    }
    std::vector<std::string> out;
    for (std::int64_t i : indices) out.push_back(lines[static_cast<size_t>(i)]);
    if (source) *source = {std::move(lines), std::move(indices)};
    return out;
  }

  void apply_classes(Dataset& dataset) const {
    std::pair<std::vector<std::string>, std::vector<std::int64_t>> source;  // the class file and positions
    std::vector<std::string> names = lines_or_list("classes", &source);
    const auto count = static_cast<std::int64_t>(names.size());
    std::map<std::string, std::vector<std::int64_t>> keys;  // raw class -> head labels
    YAML::Node mapping = root_["class_keys"];
    if (!mapping) {
      // The stored order is the class order: folders sorted, or the stored label numbers.
      if (static_cast<std::int64_t>(dataset.class_names().size()) > count)
        fail("classes", std::to_string(count) + " names for " + std::to_string(dataset.class_names().size()) +
                            " stored classes (give class_keys to map them)");
    } else if (mapping.IsScalar() && mapping.Scalar() == "index") {
      for (std::int64_t i = 0; i < count; ++i) keys[std::to_string(i)] = {i};
    } else if (mapping.IsMap() && mapping["json"]) {
      fs::path file = resolve(scalar(mapping["json"], "class_keys.json"));
      const std::string json = read_side_file("class_keys", file);
      try {
        nlohmann::json map = nlohmann::json::parse(json);
        if (mapping["key"]) map = map.at(scalar(mapping["key"], "class_keys.key"));  // a nested object
        for (const auto& [raw, labels] : map.items()) {
          std::vector<std::int64_t> list = labels.is_array() ? labels.get<std::vector<std::int64_t>>()
                                                             : std::vector<std::int64_t>{labels.get<std::int64_t>()};
          for (std::int64_t l : list)
            if (l < 0 || l >= count)
              fail("class_keys", "label " + std::to_string(l) + " for '" + raw + "' is not a class");
          keys[raw] = list;
        }
      } catch (const nlohmann::json::exception& e) {
        fail("class_keys", "'" + file.string() + "': " + e.what());
      }
      if (mapping["head"]) {
        if (scalar(mapping["head"], "class_keys.head") != "mapped")
          fail("class_keys", "head: expected 'mapped' (the head covers the classes some raw class maps to)");
        keep_mapped_classes(keys, names, source.second);
      }
    } else if (mapping.IsMap() && mapping["file"]) {
      std::vector<std::string> raw = lines_or_list("class_keys");
      if (static_cast<std::int64_t>(raw.size()) != count)
        fail("class_keys", std::to_string(raw.size()) + " keys for " + std::to_string(count) + " classes");
      for (std::int64_t i = 0; i < count; ++i) keys[raw[static_cast<size_t>(i)]] = {i};
    } else {
      fail("class_keys", "expected 'index', {file: ...[, subset: ...]} or {json: ...}");
    }

    if (!keys.empty()) {
      dataset.relabel([&](const SampleInfo& s) -> std::optional<std::vector<std::int64_t>> {
        auto it = keys.find(s.raw_class);
        if (it != keys.end()) return it->second;
        // A multi-label sample ("3,7"): the union of its labels' classes, if any is mapped.
        std::vector<std::int64_t> labels;
        for (size_t start = 0; s.raw_class.find(',') != std::string::npos && start <= s.raw_class.size();) {
          size_t end = std::min(s.raw_class.find(',', start), s.raw_class.size());
          auto part = keys.find(s.raw_class.substr(start, end - start));
          if (part != keys.end())
            for (std::int64_t l : part->second)
              if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
          start = end + 1;
        }
        if (labels.empty()) return std::nullopt;
        return labels;
      });
      if (dataset.samples().empty()) fail("class_keys", "no stored class matches a key: nothing to evaluate");
    }
    // Groups of a json map (its keys in order; a class no key names is a group of its own).
    if (mapping && mapping.IsMap() && mapping["json"]) {
      std::vector<std::int64_t> groups(names.size(), -1);
      std::int64_t group = 0;
      for (const auto& [raw, labels] : keys) {
        for (std::int64_t l : labels)
          if (groups[static_cast<std::size_t>(l)] < 0) groups[static_cast<std::size_t>(l)] = group;
        ++group;
      }
      for (std::int64_t& g : groups)
        if (g < 0) g = group++;
      dataset.set_class_groups(std::move(groups));
    }
    dataset.set_class_names(std::move(names));
    if (!source.first.empty()) dataset.set_class_source(std::move(source.first), std::move(source.second));
  }

  // imagenet-testbed's class_sublist: the head keeps the classes some raw class maps to, in their
  // order, and the raw classes' labels are renumbered into it. With disjoint maps (ObjectNet's, the
  // video sets') the arg-max over these classes falls in a raw class's set exactly when the arg-max
  // of the max-projected logits (one per raw class, the max over its classes) is that raw class.
  static void keep_mapped_classes(std::map<std::string, std::vector<std::int64_t>>& keys,
                                  std::vector<std::string>& names, std::vector<std::int64_t>& source_indices) {
    std::vector<std::int64_t> kept;
    for (const auto& [raw, labels] : keys) kept.insert(kept.end(), labels.begin(), labels.end());
    std::sort(kept.begin(), kept.end());
    kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
    std::map<std::int64_t, std::int64_t> renumbered;
    std::vector<std::string> kept_names;
    std::vector<std::int64_t> kept_indices;
    for (std::int64_t old : kept) {
      renumbered[old] = static_cast<std::int64_t>(kept_names.size());
      kept_names.push_back(names[static_cast<std::size_t>(old)]);
      if (!source_indices.empty()) kept_indices.push_back(source_indices[static_cast<std::size_t>(old)]);
    }
    for (auto& [raw, labels] : keys)
      for (std::int64_t& l : labels) l = renumbered.at(l);
    names = std::move(kept_names);
    source_indices = std::move(kept_indices);
  }

  fs::path path_;
  fs::path dir_;
  YAML::Node root_;
};

}  // namespace

std::unique_ptr<Dataset> open_manifest(const fs::path& manifest) {
  return ManifestReader(manifest).open();
}

std::unique_ptr<Dataset> open_dataset(const std::string& what, const std::vector<fs::path>& manifest_dirs) {
  std::error_code ec;
  fs::path path(what);
  if (fs::is_directory(path, ec)) return read_image_folder(path);
  if ((path.extension() == ".yaml" || path.extension() == ".yml") && fs::exists(path, ec)) return open_manifest(path);
  std::string known;
  for (const fs::path& dir : manifest_dirs) {
    if (fs::exists(dir / (what + ".yaml"), ec)) return open_manifest(dir / (what + ".yaml"));
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".yaml") known += (known.empty() ? "" : ", ") + entry.path().stem().string();
  }
  throw DataError("dataset '" + what + "': not a directory, a manifest file or a known manifest name (known: " +
                  (known.empty() ? "none" : known) + ")");
}

}  // namespace roz::datasets
