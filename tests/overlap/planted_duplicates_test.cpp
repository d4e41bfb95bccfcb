// The audit's acceptance test: real CIFAR-10 test images, and inside a larger distractor set (the
// other CIFAR-10 images here) copies of half of them after JPEG, resize, a small crop or a
// brightness change, made by the corruption plugins. The audit with the default thresholds must
// find >= 95% of the planted copies with >= 95% precision. Also the calibration behind the defaults:
// the mini-CLIP cannot tell a copy from another item of its class, the pixels embedding can.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "roz/core/embedder.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/overlap_audit.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/results_store.hpp"
#include "roz/corruption.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/model.hpp"
#include "roz/overlap/index_builder.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

constexpr int kQueries = 200;  // real images; the even-numbered ones get a planted copy
const char* const kEdits[] = {"jpeg_compression:quality=30", "resize:scale=0.6", "crop:fraction=0.95",
                              "brightness:shift=0.15"};

void write_png(const fs::path& file, const cv::Mat& rgb) {
  fs::create_directories(file.parent_path());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  ASSERT_TRUE(cv::imwrite(file.string(), bgr)) << file;
}

// The query and distractor ImageFolders, written once: 20 CIFAR-10 test images per class are the
// queries, the other 1,800 the distractors, to which a copy of every even-numbered query is added.
struct PlantedSets {
  // Per process: ctest runs each test of this file as its own process, possibly at the same time.
  fs::path root = fs::temp_directory_path() / ("roz_planted_duplicates." + std::to_string(::getpid()));
  fs::path queries = root / "queries", distractors = root / "distractors";

  PlantedSets() {
    fs::remove_all(root);
    core::PluginHost host(test::builtin_registry(), 0, 1);
    auto cifar = datasets::open_dataset(ROZ_TEST_CIFAR_DIR, {});
    const datasets::Split split = datasets::split_per_class(cifar->samples(), kQueries / 10);
    std::vector<std::shared_ptr<Corruption>> edits;
    for (const char* e : kEdits)
      edits.push_back(host.create_corruption(host.resolve(PluginKind::corruption, parse_spec(e))));
    char name[32];
    for (int i = 0; i < kQueries; ++i) {
      const datasets::SampleInfo& s = split.first[static_cast<std::size_t>(i)];
      const cv::Mat image = cifar->load(s);
      std::snprintf(name, sizeof name, "test_%04d.png", i);
      write_png(queries / s.raw_class / name, image);
      if (i % 2 == 0) {
        CorruptionInput input{image, static_cast<std::uint64_t>(i), s.label, {}, s.id};
        std::snprintf(name, sizeof name, "planted_%04d.png", i);
        write_png(distractors / s.raw_class / name,
                  edits[static_cast<std::size_t>(i / 2) % edits.size()]->apply(input).image);
      }
    }
    for (std::size_t i = 0; i < split.rest.size(); ++i) {
      std::snprintf(name, sizeof name, "other_%04zu.png", i);
      write_png(distractors / split.rest[i].raw_class / name, cifar->load(split.rest[i]));
    }
  }
  ~PlantedSets() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }
};

const PlantedSets& planted() {
  static const PlantedSets sets;
  return sets;
}

// Every query's nearest distractor under a model: (similarity, is it the query's planted copy).
struct Match {
  bool planted = false;  // the query has a planted copy
  double similarity = 0;
  bool is_copy = false;  // the nearest neighbour is that copy
  int edit = -1;
};

std::vector<Match> nearest_distractors(const std::string& model_spec, const std::string& tag) {
  const PlantedSets& sets = planted();
  core::PluginHost host(test::builtin_registry(), 0, 2);
  const fs::path work = sets.root / tag;
  fs::remove_all(work);
  fs::create_directories(work);
  core::EmbedOptions embed{parse_spec(model_spec), sets.distractors.string(), work / "distractors.npy", {}, 0, 256};
  core::embed_dataset(host, embed);
  overlap::BuildOptions build;
  build.embeddings = {work / "distractors.npy"};
  build.out = work / "index";
  overlap::build_index(build);

  auto queries_set = datasets::open_dataset(sets.queries.string(), {});
  core::AuditQueries queries;
  queries.dataset = queries_set.get();
  queries.samples = queries_set->samples();
  const core::ResolvedPlugin model = host.resolve(PluginKind::model, parse_spec(model_spec));
  queries.model_spec = model.spec;
  queries.model = host.create_model(model);
  core::AuditSettings settings;
  settings.index = build.out;
  core::ResultsStore store(work / "results.db");
  core::audit_overlap(host, settings, &queries, &store, nullptr);

  std::vector<Match> out;
  for (const core::OverlapSample& s : store.audits().samples(queries_set->name())) {
    const std::string number = s.sample_id.substr(s.sample_id.find("test_") + 5, 4);
    Match m;
    m.planted = std::stoi(number) % 2 == 0;
    m.edit = (std::stoi(number) / 2) % 4;
    m.similarity = s.neighbours.front().similarity;
    m.is_copy = s.neighbours.front().id.find("planted_" + number) != std::string::npos;
    out.push_back(m);
  }
  EXPECT_EQ(out.size(), static_cast<std::size_t>(kQueries));
  return out;
}

struct Scores {
  double recall = 0, precision = 0;
};

// A query is flagged when its nearest neighbour reaches `near`; a flag is right when that neighbour
// is the query's planted copy.
Scores score(const std::vector<Match>& matches, double near) {
  int planted = 0, flagged = 0, found = 0;
  for (const Match& m : matches) {
    planted += m.planted;
    if (m.similarity < near) continue;
    ++flagged;
    found += m.planted && m.is_copy;
  }
  return {static_cast<double>(found) / planted, flagged == 0 ? 1.0 : static_cast<double>(found) / flagged};
}

// Per edit, how many planted copies are their query's nearest neighbour; the threshold sweep of
// docs/overlap.md.
int print_calibration(const std::string& model, const std::vector<Match>& matches) {
  int worst = kQueries;
  for (int e = 0; e < 4; ++e) {
    int n = 0, copy = 0;
    double sum = 0;
    for (const Match& m : matches)
      if (m.planted && m.edit == e) {
        ++n;
        copy += m.is_copy;
        sum += m.similarity;
      }
    std::printf("[calibration] %s %s: nearest is the copy %d/%d, mean cosine %.3f\n", model.c_str(), kEdits[e], copy, n,
                sum / n);
    worst = std::min(worst, copy);
  }
  for (double t : {0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99}) {
    const Scores s = score(matches, t);
    std::printf("[calibration] %s near=%.2f recall=%.3f precision=%.3f\n", model.c_str(), t, s.recall, s.precision);
  }
  return worst;
}

TEST(PlantedDuplicates, PixelsEmbeddingFindsTheCopiesAtTheDefaultThreshold) {
  const std::vector<Match> matches = nearest_distractors("pixels", "pixels");
  EXPECT_GE(print_calibration("pixels", matches), 24);  // of 25 copies per edit
  const Scores s = score(matches, overlap::DuplicateThresholds{}.near);
  EXPECT_GE(s.recall, 0.95);
  EXPECT_GE(s.precision, 0.95);
}

TEST(PlantedDuplicates, MiniClipCannotTellACopyFromItsClass) {
  const std::vector<Match> matches = nearest_distractors("mini_clip", "mini_clip");
  print_calibration("mini_clip", matches);
  // At the default threshold nearly every query is flagged, copy or not: the precision is near the
  // planted fraction (one half).
  const Scores s = score(matches, overlap::DuplicateThresholds{}.near);
  EXPECT_LT(s.precision, 0.8);
}

}  // namespace
}  // namespace roz
