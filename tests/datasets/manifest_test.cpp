#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "roz/core/dataset_lookup.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/error.hpp"
#include "test_env.hpp"

namespace roz::datasets {
namespace {

namespace fs = std::filesystem;

// A small ImageFolder whose folders are named like ImageNet wnids, from the CIFAR sample images.
fs::path wnid_folder(const std::string& name, const std::vector<std::string>& wnids) {
  fs::path dir = fs::temp_directory_path() / ("roz_manifest_" + name);
  fs::remove_all(dir);
  const char* sources[] = {"cat", "dog", "ship", "truck"};
  for (size_t i = 0; i < wnids.size(); ++i) {
    fs::create_directories(dir / "images" / wnids[i]);
    for (int k = 0; k < 3; ++k)
      fs::copy_file(fs::path(ROZ_TEST_CIFAR_DIR) / sources[i] / ("000" + std::to_string(k) + ".jpg"),
                    dir / "images" / wnids[i] / (std::to_string(k) + ".jpg"));
  }
  return dir;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(Manifest, ShippedManifestsOpenByName) {
  auto dirs = core::dataset_manifest_dirs();
  auto fashion = open_dataset("fashion-mnist", dirs);  // Debian's dataset-fashion-mnist, installed by setup
  EXPECT_EQ(fashion->samples().size(), 10000u);
  EXPECT_EQ(fashion->class_names().front(), "T-shirt/top");
  EXPECT_EQ(fashion->templates().size(), 8u);
  auto mnist = open_dataset("mnist", dirs);
  EXPECT_EQ(mnist->samples().size(), 10000u);
  EXPECT_EQ(mnist->templates(), std::vector<std::string>{"a photo of the number: \"{}\"."});
  auto sample = open_dataset("cifar10-sample", dirs);
  EXPECT_EQ(sample->samples().size(), 2000u);
  EXPECT_EQ(sample->templates().size(), 18u);
  EXPECT_EQ(sample->class_names()[1], "automobile");
}

TEST(Manifest, ClassSubsetWithWnidKeys) {
  // Head over 3 classes chosen by index from a 6-line class file; folders keyed by wnid; the folder
  // of a class outside the subset is not evaluated.
  fs::path dir = wnid_folder("subset", {"n02", "n04", "n05", "n09"});
  write_text(dir / "classes.txt", "zero\none\ntwo\nthree\nfour\nfive\n");
  write_text(dir / "subset.txt", "1\n4\n5\n");
  write_text(dir / "keys.txt", "n01\nn04\nn05\n");
  setenv("ROZ_TEST_SUBSET_ROOT", (dir / "images").c_str(), 1);
  write_text(dir / "m.yaml",
             "name: subset\nreader: image_folder\nroot: ${ROZ_TEST_SUBSET_ROOT}\n"
             "classes: {file: classes.txt, subset: subset.txt}\nclass_keys: {file: keys.txt}\n"
             "templates: [\"a {}\"]\n");
  auto d = open_manifest(dir / "m.yaml");
  EXPECT_EQ(d->name(), "subset");
  EXPECT_EQ(d->class_names(), (std::vector<std::string>{"one", "four", "five"}));
  ASSERT_EQ(d->samples().size(), 6u);  // n04 and n05; n02 and n09 are not in the subset
  EXPECT_EQ(d->samples()[0].label, 1);
  EXPECT_EQ(d->samples()[3].label, 2);
  EXPECT_EQ(d->samples()[3].raw_class, "n05");
}

std::string manifest_file_error(const fs::path& manifest) {
  try {
    open_manifest(manifest);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Manifest, JsonLabelSetsLikeObjectNet) {
  fs::path dir = wnid_folder("objectnet", {"air_freshener", "banana", "unmapped"});
  write_text(dir / "map.json", R"({"air_freshener": [2, 4], "banana": 1})");
  write_text(dir / "m.yaml",
             "reader: image_folder\nroot: images\nclasses: [a, b, c, d, e]\n"
             "class_keys: {json: map.json}\n");
  auto d = open_manifest(dir / "m.yaml");
  ASSERT_EQ(d->samples().size(), 6u);
  // A head class outside the manifest's classes is refused when the dataset opens, by name.
  write_text(dir / "bad_map.json", R"({"air_freshener": [2, 5], "banana": 1})");
  write_text(dir / "bad.yaml",
             "reader: image_folder\nroot: images\nclasses: [a, b, c, d, e]\nclass_keys: {json: bad_map.json}\n");
  EXPECT_EQ(manifest_file_error(dir / "bad.yaml"),
            "dataset manifest '" + (dir / "bad.yaml").string() +
                "': key 'class_keys': label 5 for 'air_freshener' is not a class");
  EXPECT_EQ(d->samples()[0].label, 2);
  EXPECT_EQ(d->samples()[0].accepted, (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(d->samples()[5].label, 1);
  EXPECT_TRUE(d->samples()[5].accepted.empty());
  EXPECT_EQ(d->name(), "m");
}

// imagenet-testbed's protocols on the shipped class maps. The video sets: with `head: mapped` the head
// is the union of the ImageNet classes the video classes map to, and "the arg-max falls in a frame's
// mapped classes" is the testbed's max-projection (logits_projected[:, k] = max over class k's
// ImageNet logits, then arg-max) for any logits. ObjectNet: the testbed's class_sublist (the sorted
// mapped indices) and its folder -> sublist positions.
TEST(Manifest, MappedHeadsAreImagenetTestbedsProjections) {
  const fs::path imagenet = fs::path(ROZ_TEST_SOURCE_DIR) / "datasets" / "manifests" / "imagenet";
  std::ifstream vid_in(imagenet / "imagenet_vid_robust_class_map.json");
  const auto vid_map = nlohmann::json::parse(vid_in).at("class_to_imagenet_indices");
  std::vector<std::string> video_classes;  // folders named by video class number
  for (const auto& [k, v] : vid_map.items()) video_classes.push_back(k);
  fs::path dir = wnid_folder("vid_projection", {video_classes[0], video_classes[7], video_classes[21]});
  write_text(dir / "m.yaml",
             "reader: image_folder\nroot: images\nclasses: {file: " + (imagenet / "classes.txt").string() +
                 "}\nclass_keys: {json: " + (imagenet / "imagenet_vid_robust_class_map.json").string() +
                 ", key: class_to_imagenet_indices, head: mapped}\n");
  auto d = open_manifest(dir / "m.yaml");
  ASSERT_EQ(d->class_names().size(), 288u);  // the 30 classes' ImageNet classes, none twice
  std::vector<std::int64_t> sublist;         // head class -> ImageNet index, ascending
  std::ifstream names_in(imagenet / "classes.txt");
  std::vector<std::string> imagenet_names;
  for (std::string line; std::getline(names_in, line);) imagenet_names.push_back(line);
  for (const auto& [k, v] : vid_map.items())
    for (std::int64_t i : v.get<std::vector<std::int64_t>>()) sublist.push_back(i);
  std::sort(sublist.begin(), sublist.end());
  for (std::size_t c = 0; c < sublist.size(); ++c)
    EXPECT_EQ(d->class_names()[c], imagenet_names[static_cast<std::size_t>(sublist[c])]);
  ASSERT_EQ(d->samples().size(), 9u);
  cv::RNG rng(7);
  int agreements = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<float> logits(1000);
    for (float& v : logits) v = static_cast<float>(rng.gaussian(1.0));
    const SampleInfo& s = d->samples()[static_cast<std::size_t>(trial) % d->samples().size()];
    // The testbed: max-project onto the 30 video classes, arg-max, compare with the frame's class.
    std::string projected;
    float best = -1e30f;
    for (const auto& [k, v] : vid_map.items())
      for (std::int64_t i : v.get<std::vector<std::int64_t>>())
        if (logits[static_cast<std::size_t>(i)] > best) best = logits[static_cast<std::size_t>(i)], projected = k;
    // roz: the head's logits, arg-max, in the sample's accepted labels.
    std::int64_t arg = 0;
    for (std::size_t c = 1; c < sublist.size(); ++c)
      if (logits[static_cast<std::size_t>(sublist[c])] > logits[static_cast<std::size_t>(sublist[arg])])
        arg = static_cast<std::int64_t>(c);
    const std::vector<std::int64_t> accepted = s.accepted.empty() ? std::vector<std::int64_t>{s.label} : s.accepted;
    const bool roz_correct = std::find(accepted.begin(), accepted.end(), arg) != accepted.end();
    agreements += roz_correct == (projected == s.raw_class);
  }
  EXPECT_EQ(agreements, 2000);

  // ObjectNet: 113 folders, 125 ImageNet classes kept in ascending order, a folder's labels the
  // positions of its classes there (testbed: class_sublist.index(x)).
  std::ifstream objectnet_in(imagenet / "objectnet_to_imagenet_indices.json");
  const auto objectnet_map = nlohmann::json::parse(objectnet_in);
  fs::path on = wnid_folder("objectnet_sublist", {"alarm_clock", "banana", "not_in_imagenet"});
  write_text(on / "m.yaml",
             "reader: image_folder\nroot: images\nclasses: {file: " + (imagenet / "classes.txt").string() +
                 "}\nclass_keys: {json: " + (imagenet / "objectnet_to_imagenet_indices.json").string() +
                 ", head: mapped}\nborder_crop: 2\n");
  auto objectnet = open_manifest(on / "m.yaml");
  ASSERT_EQ(objectnet->class_names().size(), 125u);
  std::vector<std::int64_t> class_sublist;
  for (const auto& [k, v] : objectnet_map.items())
    for (std::int64_t i : v.get<std::vector<std::int64_t>>()) class_sublist.push_back(i);
  std::sort(class_sublist.begin(), class_sublist.end());
  ASSERT_EQ(objectnet->samples().size(), 6u);  // the unmapped folder is not evaluated
  for (const SampleInfo& s : objectnet->samples()) {
    std::vector<std::int64_t> want;
    for (std::int64_t i : objectnet_map.at(s.raw_class).get<std::vector<std::int64_t>>())
      want.push_back(std::find(class_sublist.begin(), class_sublist.end(), i) - class_sublist.begin());
    EXPECT_EQ(s.accepted.empty() ? std::vector<std::int64_t>{s.label} : s.accepted, want) << s.raw_class;
    EXPECT_EQ(objectnet->class_names()[static_cast<std::size_t>(want.front())],
              imagenet_names[static_cast<std::size_t>(objectnet_map.at(s.raw_class)[0].get<std::int64_t>())]);
  }
  // The border crop: 2 px off every side of the 32 px image, the inner pixels as stored.
  const SampleInfo& first = objectnet->samples().front();
  const cv::Mat cropped = objectnet->load(first);
  const cv::Mat whole = decode_rgb(objectnet->source(first));
  ASSERT_EQ(cropped.size(), cv::Size(28, 28));
  EXPECT_EQ(cv::norm(cropped, whole(cv::Rect(2, 2, 28, 28)), cv::NORM_INF), 0);

  write_text(on / "bad.yaml", "reader: image_folder\nroot: images\nclasses: {file: " +
                                  (imagenet / "classes.txt").string() + "}\nborder_crop: 16\n");
  try {
    open_manifest(on / "bad.yaml")->load(objectnet->samples().front());
    ADD_FAILURE() << "a 32 px image cropped by 16 px per side";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("too small for dataset"), std::string::npos) << e.what();
  }
  write_text(on / "bad_head.yaml",
             "reader: image_folder\nroot: images\nclasses: [a]\n"
             "class_keys: {json: map.json, head: all}\n");
  write_text(on / "map.json", R"({"banana": 0})");
  EXPECT_NE(manifest_file_error(on / "bad_head.yaml").find("key 'class_keys': head: expected 'mapped'"),
            std::string::npos);
}

TEST(Manifest, ErrorsNameTheManifestAndKey) {
  fs::path dir = wnid_folder("errors", {"n01", "n02"});
  write_text(dir / "a.yaml", "reader: image_folder\nroot: images\nclases: [x]\n");
  EXPECT_EQ(manifest_file_error(dir / "a.yaml"),
            "dataset manifest '" + (dir / "a.yaml").string() + "': key 'clases': unknown key");
  write_text(dir / "b.yaml", "reader: tfrecord\n");
  EXPECT_NE(manifest_file_error(dir / "b.yaml").find("key 'reader': 'tfrecord' is not one of"), std::string::npos);
  write_text(dir / "c.yaml", "reader: image_folder\nroot: images\nclasses: [x]\n");
  EXPECT_NE(manifest_file_error(dir / "c.yaml").find("key 'classes': 1 names for 2 stored classes"), std::string::npos);
  write_text(dir / "d.yaml", "reader: image_folder\nroot: ${ROZ_SURELY_UNSET_VARIABLE}\n");
  EXPECT_NE(manifest_file_error(dir / "d.yaml").find("environment variable ROZ_SURELY_UNSET_VARIABLE is not set"),
            std::string::npos);
  write_text(dir / "e.yaml", "reader: image_folder\nroot: images\nclasses: [x, y]\nclass_keys: {json: nothere.json}\n");
  EXPECT_EQ(manifest_file_error(dir / "e.yaml"), "dataset manifest '" + (dir / "e.yaml").string() +
                                                     "': key 'class_keys': file '" + (dir / "nothere.json").string() +
                                                     "': no such file");
  write_text(dir / "f.yaml", "reader: [unclosed\n");
  EXPECT_NE(manifest_file_error(dir / "f.yaml").find("malformed YAML"), std::string::npos);
}

// Found by the manifest fuzzer: a list or a map where a word belongs escaped as a yaml-cpp
// exception (no file named), and a label width of 2^32 + 1 read as 1.
TEST(Manifest, AListOrAMapWhereAWordBelongsIsANamedError) {
  fs::path dir = wnid_folder("shapes", {"n01", "n02"});
  const auto yaml_error = [&](const std::string& yaml) {
    write_text(dir / "m.yaml", yaml);
    return manifest_file_error(dir / "m.yaml");
  };
  const std::string prefix = "dataset manifest '" + (dir / "m.yaml").string() + "': key ";
  EXPECT_EQ(yaml_error("? [reader]\n: idx\n"), prefix + "'(top level)': a key must be a word, not a list or a map");
  EXPECT_EQ(yaml_error("reader: cifar_binary\nbatches: [a.bin, {b: c}]\n"),
            prefix + "'batches': expected a single value");
  EXPECT_EQ(yaml_error("reader: image_folder\nroot: images\nclasses: {file: [x]}\n"),
            prefix + "'classes.file': expected a single value");
  EXPECT_EQ(yaml_error("reader: cifar_binary\nbatches: [a.bin]\nlabel_bytes: 4294967297\n"),
            prefix + "'label_bytes': expected an integer");
}

// A directory where a file belongs opens (open(2) accepts it) and then fails to read with EISDIR,
// which libstdc++ reports as std::ios_base::failure from inside nlohmann's parser (a fuzzer finding).
TEST(Manifest, ADirectoryWhereAFileBelongsIsANamedError) {
  fs::path dir = wnid_folder("dir_as_file", {"n01", "n02"});
  const auto yaml_error = [&](const std::string& yaml) {
    write_text(dir / "m.yaml", yaml);
    return manifest_file_error(dir / "m.yaml");
  };
  const std::string images = (dir / "images").string();
  EXPECT_EQ(yaml_error("reader: json_labels\nlabels: images\n"),
            "labels file '" + images + "': is a directory, not a file");
  EXPECT_EQ(yaml_error("reader: image_folder\nroot: images\nclasses: {file: images}\n"),
            "dataset manifest '" + (dir / "m.yaml").string() + "': key 'classes': file '" + images +
                "': is a directory, not a file");
  EXPECT_EQ(yaml_error("reader: image_folder\nroot: images\nclasses: [x, y]\nclass_keys: {json: images}\n"),
            "dataset manifest '" + (dir / "m.yaml").string() + "': key 'class_keys': file '" + images +
                "': is a directory, not a file");
}

}  // namespace
}  // namespace roz::datasets

namespace roz::datasets {
namespace {

TEST(Manifest, VideoStyleJsonLabelsWithNestedClassMap) {
  fs::path dir = fs::temp_directory_path() / "roz_manifest_vid";
  fs::remove_all(dir);
  fs::create_directories(dir / "data" / "frames" / "v1");
  for (int i = 0; i < 4; ++i)
    fs::copy_file(fs::path(ROZ_TEST_CIFAR_DIR) / "cat" / ("000" + std::to_string(i) + ".jpg"),
                  dir / "data" / "frames" / "v1" / (std::to_string(i) + ".jpg"));
  fs::create_directories(dir / "data" / "metadata");
  // frame 2 shows classes 0 and 2; frame 3 only an unmapped class.
  write_text(dir / "data" / "metadata" / "labels.json",
             R"({"v1/0.jpg": [1], "v1/1.jpg": 0, "v1/2.jpg": [0, 2], "v1/3.jpg": [5]})");
  write_text(dir / "map.json",
             R"({"num_classes": "6", "class_to_imagenet_indices": {"0": [3], "1": [4, 5], "2": [0]}})");
  write_text(dir / "m.yaml",
             "reader: json_labels\nroot: data\nlabels: metadata/labels.json\nimage_dir: frames\n"
             "classes: [a, b, c, d, e, f]\nclass_keys: {json: map.json, key: class_to_imagenet_indices}\n");
  auto d = open_manifest(dir / "m.yaml");
  ASSERT_EQ(d->samples().size(), 3u);
  EXPECT_EQ(d->samples()[0].id, "v1/0.jpg");
  EXPECT_EQ(d->samples()[0].accepted, (std::vector<std::int64_t>{4, 5}));
  EXPECT_EQ(d->samples()[1].label, 3);
  EXPECT_EQ(d->samples()[2].raw_class, "0,2");
  EXPECT_EQ(d->samples()[2].accepted, (std::vector<std::int64_t>{3, 0}));
  EXPECT_EQ(d->load(d->samples()[2]).size(), cv::Size(32, 32));

  // pm-k sets: each frame learns its anchor, and the anchor_accuracy metric reads it from the records.
  write_text(dir / "data" / "metadata" / "pmsets.json", R"({"v1/0.jpg": ["v1/1.jpg", "v1/2.jpg"]})");
  write_text(dir / "pm.yaml",
             "reader: json_labels\nroot: data\nlabels: metadata/labels.json\nimage_dir: frames\n"
             "pm_sets: metadata/pmsets.json\nclasses: [a, b, c, d, e, f]\n");
  auto with_sets = open_manifest(dir / "pm.yaml");
  for (const SampleInfo& s : with_sets->samples())
    EXPECT_EQ(s.metadata.count("pm_anchor") ? s.metadata.at("pm_anchor") : "", s.id == "v1/3.jpg" ? "" : "v1/0.jpg")
        << s.id;
  core::PluginHost host(test::builtin_registry(), 0, 1);
  core::EvalOptions o;
  o.model = parse_spec("mini_clip");
  o.dataset = (dir / "pm.yaml").string();
  o.metrics = {parse_spec("anchor_accuracy"), parse_spec("accuracy")};
  const std::map<std::string, double> values = test::condition_values(core::evaluate(host, o), 0);
  EXPECT_EQ(values.at("anchors"), 1);
  EXPECT_LE(values.at("pmk"), values.at("pm0"));
  write_text(dir / "bad_pm.yaml",
             "reader: json_labels\nroot: data\nlabels: metadata/labels.json\nimage_dir: frames\n"
             "pm_sets: metadata/labels.json\n");
  EXPECT_THROW(open_manifest(dir / "bad_pm.yaml"), DataError) << "labels.json is no pm-set file";

  auto shipped = core::dataset_manifest_dirs();
  for (const char* name : {"imagenet-vid-robust", "ytbb-robust", "objectnet", "imagenet-r"}) {
    // The shipped manifests name their data root in an environment variable; without data they
    // fail on the missing files, never on the manifest itself.
    try {
      open_dataset(name, shipped);
      ADD_FAILURE() << name << " opened without its data";
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()).find("key '"), std::string::npos) << e.what();
    }
  }
}

// Class names in another encoding (Latin-1 "caf\xe9") are refused when the dataset opens, naming the
// file or folder and the name; before, a run failed deep in the typographic cell, naming neither, and
// every --resume failed at the same cell.
TEST(Manifest, ClassNamesThatAreNotUtf8AreRefusedWhenOpened) {
  fs::path dir = wnid_folder("latin1", {"n02", "n04"});
  write_text(dir / "classes.txt", "tea\ncaf\xe9\n");
  setenv("ROZ_TEST_LATIN1_ROOT", (dir / "images").c_str(), 1);
  write_text(dir / "m.yaml",
             "name: latin1\nreader: image_folder\nroot: ${ROZ_TEST_LATIN1_ROOT}\nclasses: {file: classes.txt}\n");
  try {
    open_manifest(dir / "m.yaml");
    FAIL() << "a Latin-1 class name was taken";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "m.yaml").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("entry 2 ('caf\\xE9') is not valid UTF-8"), std::string::npos) << e.what();
  }
  fs::rename(dir / "images" / "n04", dir / "images" / "caf\xe9");
  try {
    read_image_folder(dir / "images");
    FAIL() << "a Latin-1 folder name was taken";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("class folder 'caf\\xE9' is not named in UTF-8"), std::string::npos)
        << e.what();
  }
  write_text(dir / "classes.txt", "tea\ncaf\xc3\xa9\n");  // the same name in UTF-8 is fine
  fs::rename(dir / "images" / "caf\xe9", dir / "images" / "n04");
  EXPECT_EQ(open_manifest(dir / "m.yaml")->class_names().at(1), "caf\xc3\xa9");
}

}  // namespace
}  // namespace roz::datasets
