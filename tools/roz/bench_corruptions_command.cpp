// roz bench corruptions: milliseconds per image for each corruption and severity on real photos
// (resized and centre-cropped to --size), single-threaded by default as the Python reference runs.
// Medians over every (repeat, image) call; with --reference, the reference's figures and the speed-up
// sit next to each row.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>

#include "bench_support.hpp"
#include "commands.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/corrupt_files.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"
#include "roz/corruption.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/error.hpp"

namespace roz::cli {

namespace {

namespace fs = std::filesystem;

struct BenchCorruptionsArgs {
  std::vector<std::string> corruptions{"all"};
  std::string images, reference;
  int size = 224, repeats = 3, threads = 1;
  bool json = false;
};

// The shipped ImageNet photographs (datasets/samples/imagenet-photos), found beside the manifests.
fs::path default_images() {
  for (const fs::path& dir : core::dataset_manifest_dirs())
    if (fs::is_directory(dir / ".." / "samples" / "imagenet-photos")) return dir / ".." / "samples" / "imagenet-photos";
  throw DataError("roz bench corruptions: no sample photographs found; pass --images DIR");
}

std::vector<cv::Mat> load_images(const fs::path& dir, int size) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<cv::Mat> images;
  for (const fs::path& f : files)
    images.push_back(core::resize_center_crop(datasets::decode_rgb(f), Preprocessing{.resolution = size}));
  if (images.empty()) throw DataError("roz bench corruptions: no images in '" + dir.string() + "'");
  return images;
}

// Reference timings: {"corruption": {"1": ms, ..., "5": ms}, ...}.
std::map<std::string, std::map<std::string, double>> load_reference(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path);
  if (!in) throw DataError("roz bench corruptions: cannot read reference timings '" + path + "'");
  try {
    return nlohmann::json::parse(in).at("ms_per_image").get<std::map<std::string, std::map<std::string, double>>>();
  } catch (const nlohmann::json::exception& e) {
    throw DataError("roz bench corruptions: '" + path + "' is not a timings file (ms_per_image): " + e.what());
  }
}

int run_bench_corruptions(const GlobalOptions& global, const BenchCorruptionsArgs& args) {
  core::Registry registry = core::Registry::discover(search_path(global));
  core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(),
                              global.precision_or_fp32());
  const std::vector<cv::Mat> images = load_images(args.images.empty() ? default_images() : fs::path(args.images), args.size);
  const auto reference = load_reference(args.reference);
  const int threads = args.threads;
  cv::setNumThreads(threads);  // OpenCV's own filters would otherwise spread over every core

  nlohmann::json rows = nlohmann::json::array();
  double total_ms = 0, total_reference = 0;
  bool reference_complete = !reference.empty();
  for (const Spec& spec : core::expand_corruptions(registry, args.corruptions, {})) {
    core::ResolvedPlugin plugin = host.resolve(PluginKind::corruption, spec);
    std::shared_ptr<Corruption> corruption = host.create_corruption(plugin);
    std::vector<double> ms;
    corruption->apply({images.front(), 0, -1, {}, "warm-up"});
    for (int r = 0; r < args.repeats; ++r) {
      if (threads == 1) {
        for (std::size_t i = 0; i < images.size(); ++i) {
          const auto start = std::chrono::steady_clock::now();
          corruption->apply({images[i], static_cast<std::uint64_t>(r * 1000 + i), -1, {}, "bench"});
          ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
      } else {  // throughput over the batch, per image
        const auto start = std::chrono::steady_clock::now();
        core::parallel_for(images.size(), threads, [&](std::size_t i) {
          corruption->apply({images[i], static_cast<std::uint64_t>(r * 1000 + i), -1, {}, "bench"});
        });
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
                     static_cast<double>(images.size()));
      }
    }
    const double m = median(ms);
    total_ms += m;
    const std::string level = core::corruption_level(spec, plugin.params);
    nlohmann::json row{{"corruption", spec.name}, {"level", level}, {"spec", plugin.spec}, {"ms_per_image", m}};
    auto ref = reference.find(spec.name);
    if (ref != reference.end() && ref->second.count(level)) {
      row["reference_ms"] = ref->second.at(level);
      row["speedup"] = ref->second.at(level) / m;
      total_reference += ref->second.at(level);
    } else {
      reference_complete = false;
    }
    rows.push_back(row);
    if (!args.json) {
      std::cout << std::left << std::setw(20) << spec.name << std::setw(14) << level << std::right << std::fixed
                << std::setprecision(3) << std::setw(10) << m << " ms";
      if (row.contains("reference_ms"))
        std::cout << std::setw(10) << row["reference_ms"].get<double>() << " ms ref" << std::setw(8)
                  << std::setprecision(1) << row["speedup"].get<double>() << "x";
      std::cout << "\n";
    }
  }
  nlohmann::json out{{"size", args.size},       {"threads", threads},      {"images", images.size()},
                     {"repeats", args.repeats}, {"rows", rows},            {"total_ms_per_image", total_ms}};
  if (reference_complete) {
    out["reference_total_ms_per_image"] = total_reference;
    out["total_speedup"] = total_reference / total_ms;
  }
  if (args.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "all " << rows.size() << " together: " << std::setprecision(2) << total_ms << " ms per image";
    if (reference_complete)
      std::cout << " (reference " << total_reference << " ms, " << total_reference / total_ms << "x faster)";
    std::cout << "  [medians of " << args.repeats << " x " << images.size() << " calls, " << args.size << " px, "
              << threads << " thread(s)]\n";
  }
  return 0;
}

}  // namespace

void add_bench_corruptions_command(CLI::App& bench, const GlobalOptions& global, std::vector<Command>& commands) {
  auto args = std::make_shared<BenchCorruptionsArgs>();
  CLI::App* cmd = bench.add_subcommand("corruptions", "milliseconds per image of each corruption and severity");
  cmd->add_option("--corruption", args->corruptions, "specs to time (repeatable; default all: 19 x 5 severities)");
  cmd->add_option("--images", args->images, "folder of photographs (default: the shipped ImageNet samples)");
  cmd->add_option("--size", args->size, "images are resized and centre-cropped to this side")->check(CLI::Range(8, 8192));
  cmd->add_option("--threads", args->threads, "worker threads over the images (default 1, as the reference)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--repeats", args->repeats, "passes over the images; medians are reported")->check(CLI::PositiveNumber);
  cmd->add_option("--reference", args->reference,
                  "timings of the Python reference (tools/imagenet_c_reference/*.json) to compare with");
  cmd->add_flag("--json", args->json, "JSON on stdout");
  commands.push_back({cmd, [&global, args] { return run_bench_corruptions(global, *args); }});
}

}  // namespace roz::cli
