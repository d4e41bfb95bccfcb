// The audit's acceptance tests: copies planted among hard negatives, the thresholds calibrated on one
// seed and measured on another (roz overlap calibrate --check), per dataset; the verification and
// the copy edits on their own; and the audit's decision from a calibration.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <set>
#include <string>

#include "roz/core/copy_edits.hpp"
#include "roz/core/copy_verification.hpp"
#include "roz/core/embedder.hpp"
#include "roz/core/overlap_audit.hpp"
#include "roz/core/overlap_calibration.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/results_store.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/overlap/index_builder.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

TEST(CopyEdits, EverySeedDrawsOneOfTheSixKindsAndTheSameSeedTheSameEdit) {
  std::set<std::string> kinds;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const core::CopyEdit e = core::draw_copy_edit(seed);
    kinds.insert(e.kind);
    EXPECT_EQ(core::draw_copy_edit(seed).spec, e.spec);
  }
  EXPECT_EQ(kinds.size(), core::copy_edit_kinds().size());
  EXPECT_NE(core::draw_copy_edit(1).spec + core::draw_copy_edit(2).spec + core::draw_copy_edit(3).spec,
            core::draw_copy_edit(4).spec + core::draw_copy_edit(5).spec + core::draw_copy_edit(6).spec);
}

TEST(CopySimilarity, ACopyUnderEveryEditScoresAboveTheClosestOtherImageOfItsClass) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  const test::ImageBatch cifar = test::load_cifar(20);
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    const std::size_t i = static_cast<std::size_t>(seed) % cifar.images.size();
    const core::CopyEdit edit = core::draw_copy_edit(seed);
    const cv::Mat copy = core::apply_copy_edit(host, edit, cifar.images[i], "q");
    double closest_other = -1;
    for (std::size_t j = 0; j < cifar.images.size(); ++j)
      if (j != i && j / 20 == i / 20)
        closest_other = std::max(closest_other, core::copy_similarity(cifar.images[i], cifar.images[j]));
    EXPECT_GT(core::copy_similarity(cifar.images[i], copy), closest_other) << edit.spec << " on image " << i;
  }
  EXPECT_THROW(core::copy_similarity(cv::Mat(), cifar.images[0]), Error);
}

TEST(CopySimilarity, DoesNotDependOnWhichSideIsTheCopyBeyondAlignment) {
  const test::ImageBatch cifar = test::load_cifar(1);
  EXPECT_NEAR(core::copy_similarity(cifar.images[0], cifar.images[0]), 1.0, 1e-6);
  cv::Mat brighter;
  cifar.images[0].convertTo(brighter, -1, 1.1, 10);
  EXPECT_GT(core::copy_similarity(cifar.images[0], brighter), 0.99) << "a gain and an offset do not change it";
}

// A pre-training set (`background`, indexed with the model's embedding) and the evaluation images.
struct Audited {
  fs::path index;
  std::unique_ptr<datasets::Dataset> queries;
  std::string model = "pixels";
};

Audited index_background(core::PluginHost& host, const std::string& tag, const std::string& background,
                         std::size_t limit, const std::string& queries, const std::string& model = "pixels") {
  const fs::path work = test::fresh_dir("roz_copy_detection_" + tag);
  core::EmbedOptions embed{parse_spec(model), background, work / "background.npy", {}, limit, 256};
  core::embed_dataset(host, embed);
  overlap::BuildOptions build;
  build.embeddings = {work / "background.npy"};
  build.out = work / "index";
  overlap::build_index(build);
  return {build.out, datasets::open_dataset(queries, {ROZ_TEST_SOURCE_DIR "/datasets/manifests"}), model};
}

core::AuditQueries queries_of(core::PluginHost& host, const datasets::Dataset& dataset,
                              const std::string& model_spec = "pixels") {
  core::AuditQueries q;
  q.dataset = &dataset;
  q.samples = dataset.samples();
  const core::ResolvedPlugin model = host.resolve(PluginKind::model, parse_spec(model_spec));
  q.model_spec = model.spec;
  q.model = host.create_model(model);
  return q;
}

// Thresholds from seed 1, measured on the copies of seed 2; `deciding` is the stage the calibration
// chose for readable pairs.
core::CurvePoint calibrated_then_checked(core::PluginHost& host, const Audited& a, std::int64_t copies,
                                         const std::string& deciding = "verification") {
  const core::AuditQueries queries = queries_of(host, *a.queries, a.model);
  core::CalibrationSettings settings;
  settings.index = a.index;
  settings.copies = copies;
  settings.seed = 1;
  const core::OverlapCalibration calibration = core::calibrate_overlap(host, settings, queries);
  EXPECT_EQ(calibration.decided_by, deciding) << "embedding recall " << calibration.embedding.recall
                                              << ", verification recall " << calibration.verification.recall;
  core::write_calibration(core::calibration_path(a.index), calibration);
  core::AuditSettings audit;
  audit.index = a.index;
  const core::CopyDecision decision = core::copy_decision(audit, queries.model->content_hash());
  EXPECT_EQ(decision.verification.has_value(), deciding == "verification");
  settings.seed = 2;
  settings.check = &decision;
  const core::OverlapCalibration checked = core::calibrate_overlap(host, settings, queries);
  EXPECT_TRUE(checked.checked.has_value());
  return checked.checked.value_or(core::CurvePoint{});
}

// The shipped CIFAR-10 sample: 20 images per class are the evaluation set, the other 180 per class
// the pre-training set, so every query's neighbours are other images of its class.
TEST(CopyDetection, CifarSampleReachesRecall95AtPrecision99OnAnotherSeed) {
  core::PluginHost host(test::builtin_registry(), 0, 2);
  const fs::path split = test::fresh_dir("roz_copy_detection_cifar_split");
  auto cifar = datasets::open_dataset(ROZ_TEST_CIFAR_DIR, {});
  const datasets::Split parts = datasets::split_per_class(cifar->samples(), 20);
  for (const auto& [dir, samples] : {std::pair{split / "queries", &parts.first}, {split / "background", &parts.rest}})
    for (const datasets::SampleInfo& s : *samples) {
      fs::create_directories(dir / s.raw_class);
      fs::copy_file(cifar->source(s), dir / s.raw_class / fs::path(cifar->source(s)).filename());
    }
  const Audited a = index_background(host, "cifar", (split / "background").string(), 0, (split / "queries").string());
  const core::CurvePoint p = calibrated_then_checked(host, a, 100);
  EXPECT_GE(p.recall, 0.95) << "precision " << p.precision;
  EXPECT_GE(p.precision, 0.99) << "recall " << p.recall;
}

// The 21 shipped ImageNet photos as the evaluation set, among the 2,000 CIFAR-10 sample images.
TEST(CopyDetection, ImagenetSamplePhotosReachRecall95AtPrecision99OnAnotherSeed) {
  core::PluginHost host(test::builtin_registry(), 0, 2);
  const fs::path split = test::fresh_dir("roz_copy_detection_photos_split");
  fs::create_directories(split / "queries" / "photo");
  for (const char* dir : {"imagenet-photos", "imagenet-varied"})
    for (const auto& f : fs::directory_iterator(fs::path(ROZ_TEST_SOURCE_DIR) / "datasets/samples" / dir))
      fs::copy_file(f.path(), split / "queries" / "photo" / f.path().filename());
  const Audited a = index_background(host, "photos", ROZ_TEST_CIFAR_DIR, 0, (split / "queries").string());
  const core::CurvePoint p = calibrated_then_checked(host, a, 10);
  EXPECT_GE(p.recall, 0.95) << "precision " << p.precision;
  EXPECT_GE(p.precision, 0.99) << "recall " << p.recall;
}

// Fashion-MNIST test images against the first 10,000 training images: centred grey products on
// black, many nearly alike at 28 x 28. No pixel measure separates copies from look-alikes here (the
// pixel verification finds 0.31 of the copies at precision 0.99); the copy_detector descriptor,
// trained SSCD-style on the training images, finds twice as many and so decides every pair. Still
// short of the target (recall 0.95): this pins what it measures so that it cannot get worse
// unnoticed; docs/overlap.md has the figures.
TEST(CopyDetection, FashionMnistCopiesAreDecidedByTheTrainedDescriptorAtItsMeasuredRecall) {
  core::PluginHost host(test::builtin_registry(), 0, 2);
  const Audited a = index_background(host, "fashion", "fashion-mnist-train", 10000, "fashion-mnist", "copy_detector");
  const core::CurvePoint p = calibrated_then_checked(host, a, 100, "embedding");
  EXPECT_GE(p.recall, 0.58) << "precision " << p.precision;  // measured 0.62 at precision 1.0
  EXPECT_GE(p.precision, 0.99) << "recall " << p.recall;
}

// The audit takes its thresholds from the index's calibration and refuses an index without one,
// unless given; a calibration of another model is refused by name.
TEST(CopyDetection, TheAuditDecidesWithTheIndexsCalibrationOrRefuses) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  const Audited a = index_background(host, "decision", ROZ_TEST_CIFAR_DIR, 300, ROZ_TEST_CIFAR_DIR);
  core::AuditSettings settings;
  settings.index = a.index;
  const core::AuditQueries queries = queries_of(host, *a.queries);
  const std::string hash = queries.model->content_hash();
  try {
    core::copy_decision(settings, hash);
    ADD_FAILURE() << "an uncalibrated index without --threshold was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no calibration"), std::string::npos) << e.what();
  }
  settings.threshold = 0.97;
  EXPECT_EQ(core::copy_decision(settings, hash).embedding, 0.97);
  EXPECT_FALSE(core::copy_decision(settings, hash).verification.has_value());

  core::OverlapCalibration c;
  c.model = "pixels";
  c.model_hash = hash;
  c.embedding.threshold = 0.99;
  c.verification.threshold = 0.9;
  c.decided_by = "verification";
  core::write_calibration(core::calibration_path(a.index), c);
  settings.threshold.reset();
  const core::CopyDecision d = core::copy_decision(settings, hash);
  EXPECT_EQ(d.verification, 0.9);
  EXPECT_EQ(d.embedding, 0.99);
  EXPECT_FALSE(d.normalisation.enabled());
  EXPECT_NE(d.basis.find("calibration.json"), std::string::npos) << d.basis;

  // A calibration where the descriptor found more copies: it decides every pair, on its own scores.
  c.decided_by = "embedding";
  c.normalisation = {1, 1.0};
  core::write_calibration(core::calibration_path(a.index), c);
  const core::CopyDecision by_descriptor = core::copy_decision(settings, hash);
  EXPECT_FALSE(by_descriptor.verification.has_value());
  EXPECT_EQ(by_descriptor.embedding, 0.99);
  EXPECT_EQ(by_descriptor.normalisation.neighbour, 1);
  EXPECT_NE(by_descriptor.basis.find("1st nearest other evaluation image"), std::string::npos) << by_descriptor.basis;
  core::OverlapNeighbour readable;
  readable.similarity = 0.995;
  readable.verification = 0.1;  // the pixels would say no; the descriptor decides
  EXPECT_TRUE(core::is_copy(readable, by_descriptor));
  settings.normalisation = core::ScoreNormalisation{};  // raw cosines against thresholds measured on normalised ones
  try {
    core::copy_decision(settings, hash);
    ADD_FAILURE() << "a score normalisation other than the calibration's was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("score normalisation"), std::string::npos) << e.what();
  }
  settings.normalisation.reset();
  try {
    core::copy_decision(settings, "another-hash");
    ADD_FAILURE() << "a calibration of another model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another-hash"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roz
