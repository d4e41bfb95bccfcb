#include <gtest/gtest.h>

#include <sys/stat.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
#include <set>

#include "roz/core/image_pipeline.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/datasets/readers.hpp"
#include "roz/error.hpp"
#include "test_env.hpp"

namespace roz::datasets {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  return test::fresh_dir("roz_datasets_" + name);
}

std::string gunzip(const fs::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  std::string out;
  char buf[65536];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string reader_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

const fs::path kMnist = fs::path(ROZ_TEST_SOURCE_DIR) / "datasets/samples/mnist-test";

TEST(IdxReader, ReadsMnistGzipAndRaw) {
  auto gz = read_idx(kMnist / "t10k-images-idx3-ubyte.gz", kMnist / "t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(gz->samples().size(), 10000u);
  EXPECT_EQ(gz->class_names().size(), 10u);
  EXPECT_EQ(gz->samples()[0].label, 7);  // the first MNIST test digit is a 7
  EXPECT_EQ(gz->samples()[0].id, "t10k-images-idx3-ubyte.gz#0");
  cv::Mat first = gz->load(gz->samples()[0]);
  EXPECT_EQ(first.type(), CV_8UC3);
  EXPECT_EQ(first.size(), cv::Size(28, 28));
  EXPECT_GT(cv::countNonZero(first.reshape(1)), 100);

  fs::path dir = temp_dir("idx_raw");
  write_bytes(dir / "images", gunzip(kMnist / "t10k-images-idx3-ubyte.gz"));
  write_bytes(dir / "labels", gunzip(kMnist / "t10k-labels-idx1-ubyte.gz"));
  auto raw = read_idx(dir / "images", dir / "labels");
  EXPECT_EQ(cv::norm(raw->load(raw->samples()[9999]), gz->load(gz->samples()[9999]), cv::NORM_INF), 0.0);
}

TEST(IdxReader, TruncatedFilesAndWrongMagicNameTheFile) {
  fs::path dir = temp_dir("idx_bad");
  std::string images = gunzip(kMnist / "t10k-images-idx3-ubyte.gz");
  std::string labels = gunzip(kMnist / "t10k-labels-idx1-ubyte.gz");
  write_bytes(dir / "short", images.substr(0, images.size() - 100));
  write_bytes(dir / "labels", labels);
  EXPECT_NE(reader_error([&] {
              read_idx(dir / "short", dir / "labels");
            }).find("IDX file '" + (dir / "short").string() + "': truncated or oversized"),
            std::string::npos);
  EXPECT_NE(reader_error([&] { read_idx(dir / "labels", dir / "labels"); }).find("magic number is not 0x00000803"),
            std::string::npos);
  write_bytes(dir / "images", images);
  write_bytes(dir / "few_labels", labels.substr(0, 5008));
  EXPECT_NE(reader_error([&] { read_idx(dir / "images", dir / "few_labels"); }).find("few_labels"), std::string::npos);
  EXPECT_NE(reader_error([&] { read_idx(dir / "missing", dir / "labels"); }).find("cannot open"), std::string::npos);
}

// Crafted headers: a zero side passed the size check (16 + n x 0 x 28 bytes) and failed later in an
// OpenCV assertion without the file's name; a 2^16 x 2^16 image with n = 2^32 wraps the product.
TEST(IdxReader, CraftedImageSizesNameTheFile) {
  fs::path dir = temp_dir("idx_crafted");
  auto header = [](std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
    std::string h;
    for (std::uint32_t v : {0x803u, n, rows, cols})
      for (int b = 3; b >= 0; --b) h += static_cast<char>((v >> (8 * b)) & 0xFF);
    return h;
  };
  const std::string labels = std::string("\x00\x00\x08\x01\x00\x00\x00\x05", 8) + std::string(5, '\x01');
  write_bytes(dir / "labels", labels);
  write_bytes(dir / "zero_rows", header(5, 0, 28));
  EXPECT_EQ(
      reader_error([&] { read_idx(dir / "zero_rows", dir / "labels"); }),
      "IDX file '" + (dir / "zero_rows").string() + "': header says images of 0x28 (each side must be 1 to 65535)");
  write_bytes(dir / "huge", header(5, 70000, 70000));
  EXPECT_NE(
      reader_error([&] { read_idx(dir / "huge", dir / "labels"); }).find("70000x70000 (each side must be 1 to 65535)"),
      std::string::npos);
}

// A CIFAR batch written from real images reads back pixel for pixel.
TEST(CifarBinaryReader, RoundTripsRecordsAndChecksTheirSize) {
  test::ImageBatch batch = test::load_cifar(2);
  fs::path dir = temp_dir("cifar");
  std::string cifar10, cifar100;
  for (size_t i = 0; i < batch.images.size(); ++i) {
    std::string pixels;
    std::vector<cv::Mat> planes;
    cv::split(batch.images[i], planes);
    for (const cv::Mat& p : planes) pixels.append(reinterpret_cast<const char*>(p.data), 1024);
    auto label = static_cast<char>(batch.labels[static_cast<std::int64_t>(i)].item<std::int64_t>());
    cifar10 += std::string(1, label) + pixels;
    cifar100 += std::string(1, static_cast<char>(19)) + std::string(1, label) + pixels;  // coarse, fine
  }
  write_bytes(dir / "test_batch.bin", cifar10);
  write_bytes(dir / "test.bin", cifar100);
  auto ten = read_cifar_binary({dir / "test_batch.bin"}, 1, 0);
  ASSERT_EQ(ten->samples().size(), batch.images.size());
  for (size_t i = 0; i < batch.images.size(); ++i) {
    EXPECT_EQ(cv::norm(ten->load(ten->samples()[i]), batch.images[i], cv::NORM_INF), 0.0) << i;
    EXPECT_EQ(ten->samples()[i].label, batch.labels[static_cast<std::int64_t>(i)].item<std::int64_t>());
  }
  auto hundred = read_cifar_binary({dir / "test.bin"}, 2, 1);
  EXPECT_EQ(hundred->samples()[5].label, ten->samples()[5].label);
  EXPECT_EQ(read_cifar_binary({dir / "test.bin"}, 2, 0)->samples()[5].label, 19);

  write_bytes(dir / "cut.bin", cifar10.substr(0, cifar10.size() - 7));
  EXPECT_NE(reader_error([&] {
              read_cifar_binary({dir / "cut.bin"}, 1, 0);
            }).find("CIFAR batch '" + (dir / "cut.bin").string() + "'"),
            std::string::npos);
}

TEST(FileListReader, CsvAndImageNetValFormats) {
  fs::path dir = temp_dir("list");
  fs::create_directories(dir / "img");
  fs::copy_file(fs::path(ROZ_TEST_CIFAR_DIR) / "cat/0000.jpg", dir / "img/a.jpg");
  fs::copy_file(fs::path(ROZ_TEST_CIFAR_DIR) / "dog/0000.jpg", dir / "img/b.jpg");
  write_bytes(dir / "list.csv", "# path,label\nimg/a.jpg,3\n\nimg/b.jpg,5\r\n");
  write_bytes(dir / "val.txt", "img/a.jpg 3\nimg/b.jpg 5\n");
  for (const char* list : {"list.csv", "val.txt"}) {
    auto d = read_file_list(dir / list, dir);
    ASSERT_EQ(d->samples().size(), 2u) << list;
    EXPECT_EQ(d->samples()[1].label, 5);
    EXPECT_EQ(d->samples()[1].id, "img/b.jpg");
    EXPECT_EQ(d->load(d->samples()[0]).size(), cv::Size(32, 32));
  }
  write_bytes(dir / "bad.csv", "img/a.jpg,3\nimg/b.jpg,dog\n");
  EXPECT_EQ(reader_error([&] { read_file_list(dir / "bad.csv", dir); }),
            "file list '" + (dir / "bad.csv").string() +
                "', line 2: expected PATH,LABEL or PATH LABEL with a non-negative integer label");
}

TEST(ImageFolderReader, CorruptImageIsNamedOnLoad) {
  fs::path dir = temp_dir("folder");
  fs::create_directories(dir / "cat");
  write_bytes(dir / "cat" / "broken.png", "not a png");
  auto d = read_image_folder(dir);
  ASSERT_EQ(d->samples().size(), 1u);
  EXPECT_NE(reader_error([&] { d->load(d->samples()[0]); }).find((dir / "cat" / "broken.png").string()),
            std::string::npos);
}

// A label sizes the class-name table: 10^11 allocated 10^11 names (a bare std::bad_alloc).
TEST(FileListReader, AnAbsurdLabelIsANamedError) {
  fs::path dir = temp_dir("list_label");
  write_bytes(dir / "huge.csv", "img/a.jpg,3\nimg/b.jpg,100000000000\n");
  EXPECT_EQ(reader_error([&] { read_file_list(dir / "huge.csv", dir); }),
            "file list '" + (dir / "huge.csv").string() +
                "', line 2: label 100000000000 is not below 1000000 (ROZ_MAX_CLASSES)");
}

// The same for a JSON labels file; a list mixing labels with other values escaped as a JSON
// exception (no file named).
TEST(JsonLabelsReader, AnAbsurdOrMixedLabelIsANamedError) {
  fs::path dir = temp_dir("json_label");
  write_bytes(dir / "huge.json", R"({"a.png": 3, "b.png": 100000000000})");
  EXPECT_EQ(reader_error([&] { read_json_labels(dir / "huge.json", dir); }),
            "labels file '" + (dir / "huge.json").string() +
                "': label 100000000000 for 'b.png' is not below 1000000 (ROZ_MAX_CLASSES)");
  write_bytes(dir / "mixed.json", R"({"a.png": [1, "x"]})");
  EXPECT_EQ(reader_error([&] { read_json_labels(dir / "mixed.json", dir); }),
            "labels file '" + (dir / "mixed.json").string() + "': 'a.png' needs an integer label or a list of them");
}

// Only regular files are read as images: /dev/zero was read until memory ran out, a FIFO blocked.
TEST(ImageFile, OnlyRegularFilesAreRead) {
  fs::path dir = temp_dir("special_files");
  ASSERT_EQ(::mkfifo((dir / "pipe.png").c_str(), 0600), 0);
  EXPECT_EQ(reader_error([&] { decode_rgb(dir / "pipe.png"); }),
            "image '" + (dir / "pipe.png").string() + "': not a regular file");
  EXPECT_EQ(reader_error([&] { decode_rgb("/dev/zero"); }), "image '/dev/zero': not a regular file");
  EXPECT_EQ(reader_error([&] { decode_rgb(dir / "missing.png"); }),
            "image '" + (dir / "missing.png").string() + "': cannot open");
}

// Found by the image fuzzer: 140 bytes with "DICM" at offset 128 reached Debian OpenCV's DICOM
// decoder, whose GDCM asserts and aborts the process. Only the formats RoZ names reach OpenCV.
TEST(ImageFile, OnlyTheNamedFormatsReachTheDecoder) {
  const fs::path dicom = fs::path(ROZ_TEST_SOURCE_DIR) / "tests/fuzz/corpus/image/finding-dicom-gdcm-assert";
  EXPECT_EQ(reader_error([&] { decode_rgb(dicom); }),
            "image '" + dicom.string() + "': not a JPEG, PNG, BMP, TIFF, WebP or PNM file");
  fs::path dir = temp_dir("formats");
  write_bytes(dir / "plain.txt", "P7 is not a PNM variant RoZ reads\n");
  // What OpenCV's PNM check refuses (no space after P1) would go on to its DICOM decoder: DICM at
  // byte 128 is refused whatever the first bytes say.
  write_bytes(dir / "pnm-dicom", "P1x" + std::string(125, ' ') + "DICM" + std::string(64, '\0'));
  EXPECT_NE(reader_error([&] { decode_rgb(dir / "pnm-dicom"); }).find("not a JPEG, PNG"), std::string::npos);
  write_bytes(dir / "pnm-no-space", "P6x 1 1 255\n" + std::string(3, '\x7f'));
  EXPECT_NE(reader_error([&] { decode_rgb(dir / "pnm-no-space"); }).find("not a JPEG, PNG"), std::string::npos);
  EXPECT_NE(reader_error([&] { decode_rgb(dir / "plain.txt"); }).find("not a JPEG, PNG"), std::string::npos);
  // A PNG named .JPEG (ImageNet has some) is told by its content and decodes.
  fs::copy_file(fs::path(ROZ_TEST_SOURCE_DIR) / "tests/fuzz/corpus/image/rgb.png", dir / "n01.JPEG");
  EXPECT_EQ(decode_rgb(dir / "n01.JPEG").size(), cv::Size(12, 8));
}

// A 1 x 1,000,000 strip asked OpenCV for 150 GB on the way to 224 px; beyond 100:1 it is refused.
TEST(ImageFile, AnExtremeAspectRatioIsRefusedNotResized) {
  const cv::Mat strip(1, 100000, CV_8UC3, cv::Scalar(1, 2, 3));
  EXPECT_EQ(reader_error([&] { core::resize_center_crop(strip, Preprocessing{.resolution = 224}); }),
            "a 100000 x 1 image: aspect ratio above 100:1 (ROZ_MAX_ASPECT_RATIO)");
  const cv::Mat wide(10, 1000, CV_8UC3, cv::Scalar(1, 2, 3));  // exactly 100:1 still goes through
  EXPECT_EQ(core::resize_center_crop(wide, Preprocessing{.resolution = 32}).size(), cv::Size(32, 32));
}

}  // namespace
// roz train --shots K: K per class, chosen by seed and id, not by file order.
TEST(SamplePerClass, TakesKOfEveryClassBySeedNotByFileOrder) {
  std::vector<SampleInfo> samples;
  for (int i = 0; i < 60; ++i) {
    SampleInfo s;
    s.id = "img" + std::to_string(i);
    s.label = i % 3;
    samples.push_back(s);
  }
  const std::vector<std::string> classes = {"a", "b", "c"};
  const auto ids = [](const std::vector<SampleInfo>& v) {
    std::set<std::string> out;
    for (const auto& s : v) out.insert(s.id);
    return out;
  };
  const std::vector<SampleInfo> chosen = sample_per_class(samples, 4, 7, classes);
  ASSERT_EQ(chosen.size(), 12u);
  std::map<std::int64_t, int> per_class;
  for (const auto& s : chosen) ++per_class[s.label];
  EXPECT_EQ(per_class, (std::map<std::int64_t, int>{{0, 4}, {1, 4}, {2, 4}}));
  EXPECT_NE(ids(chosen), ids(split_per_class(samples, 4).first));  // not the first four of each class
  std::vector<SampleInfo> reversed(samples.rbegin(), samples.rend());
  EXPECT_EQ(ids(sample_per_class(reversed, 4, 7, classes)), ids(chosen));  // file order does not matter
  EXPECT_EQ(ids(sample_per_class(samples, 4, 7, classes)), ids(chosen));   // the same seed: the same
  EXPECT_NE(ids(sample_per_class(samples, 4, 8, classes)), ids(chosen));   // another seed: another
  EXPECT_EQ(reader_error([&] { sample_per_class(samples, 21, 7, classes); }),
            "--shots 21: class 'a' has only 20 samples");
  EXPECT_EQ(reader_error([&] {
              sample_per_class(samples, 1, 7, {"a", "b", "c", "d"});
            }),
            "--shots 1: class 'd' has only 0 samples");
}

}  // namespace roz::datasets
