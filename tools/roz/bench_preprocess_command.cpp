// roz bench preprocess: milliseconds per image of the image pipeline's stages on real photos, on one
// thread: decoding, the PIL-exact resize + centre crop (CLIP's bicubic to 224, torchvision's
// bilinear 256 -> 224) and, for comparison, the OpenCV resize + crop RoZ used before it (INTER_AREA
// to shrink, INTER_CUBIC to enlarge), which is faster and not what the models were evaluated with.
// Medians over every (repeat, image) call.
#include <spdlog/spdlog.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "bench_support.hpp"
#include "commands.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/error.hpp"

namespace roz::cli {

namespace {

namespace fs = std::filesystem;

struct BenchPreprocessArgs {
  std::vector<std::string> images;
  int repeats = 5;
  bool json = false;
};

// The shipped ImageNet photographs (datasets/samples/imagenet-*), found beside the manifests.
std::vector<fs::path> default_photos() {
  std::vector<fs::path> out;
  for (const fs::path& dir : core::dataset_manifest_dirs())
    for (const char* folder : {"imagenet-photos", "imagenet-varied"})
      if (fs::is_directory(dir / ".." / "samples" / folder))
        for (const auto& entry : fs::directory_iterator(dir / ".." / "samples" / folder))
          if (entry.is_regular_file()) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  if (out.empty()) throw DataError("roz bench preprocess: no sample photographs found; pass --images DIR");
  return out;
}

// What RoZ did before the PIL-exact pipeline: OpenCV's resize, the crop offsets floored.
cv::Mat opencv_resize_center_crop(const cv::Mat& rgb, int resolution) {
  const int shorter = std::min(rgb.cols, rgb.rows);
  const double scale = static_cast<double>(resolution) / shorter;
  cv::Mat resized;
  cv::resize(rgb, resized, core::resized_size(rgb.size(), resolution), 0, 0,
             scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  return resized(cv::Rect((resized.cols - resolution) / 2, (resized.rows - resolution) / 2, resolution, resolution))
      .clone();
}

double time_ms(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int run_bench_preprocess(const BenchPreprocessArgs& args) {
  std::vector<fs::path> files;
  for (const std::string& dir : args.images)
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file()) files.push_back(entry.path());
  if (args.images.empty()) files = default_photos();
  std::sort(files.begin(), files.end());
  cv::setNumThreads(1);  // OpenCV's resize would otherwise spread over every core
  std::vector<cv::Mat> decoded;
  for (const fs::path& f : files) decoded.push_back(datasets::decode_rgb(f));

  const Preprocessing clip{.resolution = 224};
  const Preprocessing torchvision{.resolution = 224, .resize = 256, .interpolation = Interpolation::bilinear};
  struct Stage {
    std::string name;
    std::function<void(std::size_t)> run;
    std::vector<double> ms;
  };
  std::vector<Stage> stages = {
      {"decode", [&](std::size_t i) { datasets::decode_rgb(files[i]); }, {}},
      {"pil_bicubic_224", [&](std::size_t i) { core::resize_center_crop(decoded[i], clip); }, {}},
      {"pil_bilinear_256_224", [&](std::size_t i) { core::resize_center_crop(decoded[i], torchvision); }, {}},
      {"opencv_224_before", [&](std::size_t i) { opencv_resize_center_crop(decoded[i], 224); }, {}},
  };
  for (Stage& s : stages) {
    s.run(0);  // warm-up
    for (int r = 0; r < args.repeats; ++r)
      for (std::size_t i = 0; i < files.size(); ++i) s.ms.push_back(time_ms([&] { s.run(i); }));
  }
  nlohmann::json rows = nlohmann::json::object();
  for (const Stage& s : stages) rows[s.name] = median(s.ms);
  const double ratio = rows["pil_bicubic_224"].get<double>() / rows["opencv_224_before"].get<double>();
  nlohmann::json out{{"images", files.size()},
                     {"repeats", args.repeats},
                     {"threads", 1},
                     {"ms_per_image", rows},
                     {"pil_over_opencv", ratio}};
  if (args.json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const Stage& s : stages)
    std::cout << std::left << std::setw(24) << s.name << std::right << std::fixed << std::setprecision(3)
              << std::setw(9) << median(s.ms) << " ms\n";
  std::cout << "PIL-exact bicubic / OpenCV: " << std::setprecision(2) << ratio << "x  [medians of " << args.repeats
            << " x " << files.size() << " photos, 1 thread]\n";
  return 0;
}

}  // namespace

void add_bench_preprocess_command(CLI::App& bench, const GlobalOptions&, std::vector<Command>& commands) {
  auto args = std::make_shared<BenchPreprocessArgs>();
  CLI::App* cmd = bench.add_subcommand("preprocess", "milliseconds per image to decode, resize and centre-crop");
  cmd->add_option("--images", args->images, "folders of photographs (default: the shipped ImageNet samples)");
  cmd->add_option("--repeats", args->repeats, "passes over the images; medians are reported")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "JSON on stdout");
  commands.push_back({cmd, [args] { return run_bench_preprocess(*args); }});
}

}  // namespace roz::cli
