#include "roz/core/corrupt_files.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"
#include "roz/corruption.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/error.hpp"
#include "roz/protocol.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace fs = std::filesystem;

namespace {

bool has_severity(const LoadedPlugin& plugin) {
  const auto& params = plugin.descriptor->params;
  return std::any_of(params.begin(), params.end(),
                     [](const ParamSpec& p) { return p.name == protocol::parameter::severity; });
}

bool sets_only_severity(const Spec& spec) {
  return std::all_of(spec.params.begin(), spec.params.end(),
                     [](const auto& kv) { return kv.first == protocol::parameter::severity || kv.first == "variant"; });
}

Spec with_severity(Spec spec, int severity) {
  std::erase_if(spec.params, [](const auto& kv) { return kv.first == protocol::parameter::severity; });
  SpecValue value;
  value.text = std::to_string(severity);
  spec.params.emplace_back(protocol::parameter::severity, value);
  return spec;
}

bool is_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* known : {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})
    if (ext == known) return true;
  return false;
}

struct InputImage {
  fs::path file;
  std::string id;       // the path relative to the input folder, as roz eval's image folders name samples
  std::int64_t label;   // index of its class folder (first path component), -1 when not in one
};

// The input images; in an ImageNet-style tree (class/file) each gets its class, so corruptions that
// write class names (typographic) can pick a wrong one.
std::vector<InputImage> input_images(const fs::path& input, std::vector<std::string>& class_names) {
  std::vector<InputImage> files;
  if (fs::is_regular_file(input)) return {{input, input.filename().generic_string(), -1}};
  if (!fs::is_directory(input)) throw DataError("roz corrupt: input '" + input.string() + "' does not exist");
  for (const auto& entry : fs::recursive_directory_iterator(input))
    if (entry.is_regular_file() && is_image_file(entry.path()))
      files.push_back({entry.path(), fs::relative(entry.path(), input).generic_string(), -1});
  if (files.empty()) throw DataError("roz corrupt: no image files under '" + input.string() + "'");
  std::sort(files.begin(), files.end(), [](const InputImage& a, const InputImage& b) { return a.id < b.id; });
  for (const InputImage& f : files)
    if (auto slash = f.id.find('/'); slash != std::string::npos) class_names.push_back(f.id.substr(0, slash));
  // Sorted by folder name (as roz run's ImageFolder labels them), not in id order: ids sort "cat-2/x"
  // before "cat/x" ('-' < '/'), so id order is not the folders' order and lower_bound below needs sorted.
  std::sort(class_names.begin(), class_names.end());
  class_names.erase(std::unique(class_names.begin(), class_names.end()), class_names.end());
  for (InputImage& f : files)
    if (auto slash = f.id.find('/'); slash != std::string::npos)
      f.label = std::lower_bound(class_names.begin(), class_names.end(), f.id.substr(0, slash)) - class_names.begin();
  return files;
}

void write_rgb(const fs::path& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  fs::create_directories(path.parent_path());
  std::vector<int> flags;
  if (path.extension() == ".jpg") flags = {cv::IMWRITE_JPEG_QUALITY, 95};
  if (!cv::imwrite(path.string(), bgr, flags)) throw DataError("roz corrupt: cannot write '" + path.string() + "'");
}

// `text` as one safe path component: bytes other than letters, digits and = , . _ + - become %XX,
// so parameter text (sigma=8/255, text=/../x) can neither nest folders nor leave --out.
std::string path_component(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || (c != 0 && std::strchr("=,._+-", c) != nullptr)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out == "." || out == ".." ? "%2E" + out.substr(1) : out;
}

}  // namespace

std::vector<Spec> expand_corruptions(const Registry& registry, const std::vector<std::string>& arguments,
                                     const std::vector<int>& severities) {
  const std::vector<int> levels = severities.empty() ? std::vector<int>{1, 2, 3, 4, 5} : severities;
  std::vector<Spec> out;
  for (const std::string& argument : arguments) {
    if (argument == "all") {
      for (const LoadedPlugin& plugin : registry.plugins())
        if (plugin.descriptor->kind == PluginKind::corruption && has_severity(plugin))
          for (int s : levels) out.push_back(with_severity(Spec{plugin.descriptor->name, {}}, s));
      continue;
    }
    Spec spec = parse_spec(argument);
    const LoadedPlugin& plugin = registry.find(PluginKind::corruption, spec.name);
    if (!severities.empty() && has_severity(plugin) && sets_only_severity(spec)) {
      for (int s : severities) out.push_back(with_severity(spec, s));
    } else {
      out.push_back(std::move(spec));
    }
  }
  return out;
}

std::string corruption_level(const Spec& written, const Params& resolved) {
  if (resolved.has(protocol::parameter::severity) && sets_only_severity(written))
    return std::to_string(resolved.get_int(protocol::parameter::severity));
  std::string level;
  for (const auto& [key, value] : written.params) {
    if (key == "variant") continue;
    Spec single{"", {{key, value}}};
    level += (level.empty() ? "" : ",") + single.to_string().substr(1);  // drop the ':' of the empty name
  }
  return level.empty() ? "default" : path_component(level);
}

CorruptReport corrupt_files(PluginHost& host, const CorruptOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.format != "png" && options.format != "jpg")
    throw Error("roz corrupt: --format must be png or jpg, not '" + options.format + "'");
  std::vector<std::string> class_names;
  const auto files = input_images(options.input, class_names);
  const bool single_file = fs::is_regular_file(options.input) && options.corruptions.size() == 1 &&
                           is_image_file(options.output) && !fs::is_directory(options.output);
  CorruptReport report;
  std::mutex mutex;
  std::ofstream manifest;
  if (!single_file) {
    fs::create_directories(options.output);
    manifest.open(options.output / "corruptions.jsonl", std::ios::app);
  }
  for (const Spec& written : options.corruptions) {
    ResolvedPlugin plugin = host.resolve(PluginKind::corruption, written);
    std::shared_ptr<Corruption> corruption = host.create_corruption(plugin);
    const fs::path level_dir = options.output / written.name / corruption_level(written, plugin.params);
    std::size_t written_here = 0, skipped_here = 0;
    parallel_for(files.size(), host.threads(), [&](std::size_t i) {
      const InputImage& input = files[i];
      const std::string& id = input.id;
      cv::Mat image;
      try {
        image = datasets::decode_rgb(input.file);
      } catch (const DataError& e) {
        std::lock_guard<std::mutex> lock(mutex);
        if (&written == &options.corruptions.front()) report.unreadable.push_back(e.what());
        return;
      }
      const std::uint64_t seed = derive_seed(options.seed, plugin.spec, id);
      CorruptionOutput out = corruption->apply({image, seed, input.label, class_names, id});
      fs::path target = single_file ? options.output : (level_dir / id).replace_extension(options.format);
      if (!out.skipped) write_rgb(target, out.image);
      nlohmann::json line{{"file", target.generic_string()}, {"source", id}, {"corruption", plugin.spec},
                          {"seed", seed},                    {"skipped", out.skipped}, {"metadata", out.metadata}};
      std::lock_guard<std::mutex> lock(mutex);
      (out.skipped ? skipped_here : written_here)++;
      if (manifest.is_open()) manifest << line.dump() << "\n";
    });
    spdlog::info("{:<48} {} written, {} skipped", plugin.spec, written_here, skipped_here);
    report.written += written_here;
    report.skipped += skipped_here;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace roz::core
