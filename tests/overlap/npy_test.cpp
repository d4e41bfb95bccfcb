#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "roz/core/embedder.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/overlap/ids.hpp"
#include "roz/overlap/npy.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

TEST(Npy, WriterAndReaderRoundTrip) {
  fs::path path = fs::temp_directory_path() / "roz_npy_roundtrip.npy";
  {
    overlap::NpyWriter writer(path, 3);
    std::vector<float> rows = {1, 2, 3, 4, 5, 6};
    writer.append(rows.data(), 2);
    writer.append(rows.data(), 1);
    writer.finish();
  }
  overlap::NpyMatrix m = overlap::read_npy(path);
  EXPECT_EQ(m.rows, 3);
  EXPECT_EQ(m.cols, 3);
  EXPECT_EQ(m.data, (std::vector<float>{1, 2, 3, 4, 5, 6, 1, 2, 3}));
  EXPECT_EQ(fs::file_size(path), 128u + 9 * 4);  // 64-byte aligned header, as NumPy requires
  fs::remove(path);
}

// A .npy file with a hand-written header (version 1 or 2) and `data_bytes` bytes of zeros after it.
fs::path crafted_npy(const std::string& name, const std::string& header, int version, std::size_t data_bytes) {
  const fs::path path = fs::temp_directory_path() / (name + ".npy");
  std::ofstream out(path, std::ios::binary);
  out << "\x93NUMPY" << static_cast<char>(version) << '\0';
  const auto length = static_cast<std::uint32_t>(header.size());
  for (int b = 0; b < (version == 1 ? 2 : 4); ++b) out << static_cast<char>((length >> (8 * b)) & 0xFF);
  out << header << std::string(data_bytes, '\0');
  return path;
}

void expect_refused(const fs::path& path, const std::string& fragment) {
  try {
    overlap::read_npy(path);
    FAIL() << path << " was read";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("npy file '" + path.string() + "': " + fragment), std::string::npos)
        << e.what();
  }
  fs::remove(path);
}

// Shapes and lengths come from the file: a shape whose product overflows (UBSan flagged the signed
// multiplication), a dimension past 64 bits (std::out_of_range escaped unnamed) and a 4 GB header
// length are named refusals, before any allocation they would size.
TEST(Npy, HostileHeadersAreNamedRefusals) {
  expect_refused(crafted_npy("roz_npy_overflow", "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8), }\n", 1, 64),
                 "shape 4611686018427387904 x 8 is too large");
  expect_refused(crafted_npy("roz_npy_digits", "{'descr': '<f4', 'fortran_order': False, 'shape': (123456789012345678901234567890, 2), }\n", 1, 64),
                 "shape dimension 123456789012345678901234... is too large");
  expect_refused(crafted_npy("roz_npy_small", "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 8), }\n", 1, 64),
                 "truncated: header says 1000 x 8");
  const fs::path huge = fs::temp_directory_path() / "roz_npy_header.npy";
  std::ofstream(huge, std::ios::binary) << "\x93NUMPY" << '\x02' << '\0' << "\xff\xff\xff\xff" << "{'descr'";
  expect_refused(huge, "header length 4294967295 bytes: not a .npy header");
}

// overlap build and overlap dedup take an ids file only with one row per embedding (dedup accepted
// one of another length and labelled pairs by the wrong rows).
TEST(Ids, AnIdsFileOfAnotherLengthIsRefused) {
  const fs::path npy = fs::temp_directory_path() / "roz_ids_length.npy";
  fs::path ids = npy;
  ids.replace_extension(".ids.jsonl");
  {
    overlap::NpyWriter writer(npy, 2);
    std::vector<float> rows = {1, 0, 0, 1, 1, 1};
    writer.append(rows.data(), 3);
    writer.finish();
  }
  EXPECT_TRUE(overlap::read_ids_for(npy, 3).empty()) << "no ids file: no ids";
  std::ofstream(ids) << "{\"id\": \"a\"}\n{\"id\": \"b\"}\n";
  try {
    overlap::read_ids_for(npy, 3);
    FAIL() << "2 ids for 3 rows were taken";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), "ids file '" + ids.string() + "' has 2 rows, but '" + npy.string() + "' has 3");
  }
  std::ofstream(ids, std::ios::app) << "{\"id\": \"c\"}\n";
  EXPECT_EQ(overlap::read_ids_for(npy, 3).at(2).id, "c");
  fs::remove(npy);
  fs::remove(ids);
}

TEST(Npy, ReadsFloat16LikeLaionShards) {
  fs::path path = fs::temp_directory_path() / "roz_npy_f16.npy";
  std::string dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }";
  dict.resize(117, ' ');
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + std::string(1, 118) + std::string(1, 0) + dict + "\n";
  const std::uint16_t halves[] = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000};  // 1 -2 0.5 65504 2^-24 -0
  bytes.append(reinterpret_cast<const char*>(halves), sizeof halves);
  std::ofstream(path, std::ios::binary) << bytes;
  overlap::NpyMatrix m = overlap::read_npy(path);
  ASSERT_EQ(m.rows, 2);
  EXPECT_EQ(m.data[0], 1.0f);
  EXPECT_EQ(m.data[1], -2.0f);
  EXPECT_EQ(m.data[2], 0.5f);
  EXPECT_EQ(m.data[3], 65504.0f);
  EXPECT_FLOAT_EQ(m.data[4], 5.9604645e-08f);
  EXPECT_TRUE(std::signbit(m.data[5]));
  fs::resize_file(path, fs::file_size(path) - 2);
  try {
    overlap::read_npy(path);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

TEST(Npy, WritesFloat16RoundedToNearestEven) {
  fs::path path = fs::temp_directory_path() / "roz_npy_f16_write.npy";
  const std::vector<float> values = {1.0f, -2.0f, 0.1f, 65504.0f, 1e5f, 1e-7f, 1e-9f, 1.00048828125f};
  {
    overlap::NpyWriter writer(path, 4, true);
    writer.append(values.data(), 2);
    writer.finish();
  }
  EXPECT_EQ(fs::file_size(path), 128u + 8 * 2);
  overlap::NpyReader reader(path);
  EXPECT_TRUE(reader.float16());
  std::vector<float> back(8);
  reader.read(0, 2, back.data());
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[1], -2.0f);
  EXPECT_EQ(back[2], 0.0999755859375f);  // the nearest half
  EXPECT_EQ(back[3], 65504.0f);
  EXPECT_TRUE(std::isinf(back[4]));              // beyond the half range
  EXPECT_FLOAT_EQ(back[5], 2 * 5.9604645e-08f);  // subnormal: 1e-7 is 1.68 units of 2^-24
  EXPECT_EQ(back[6], 0.0f);
  EXPECT_EQ(back[7], 1.0f);  // a tie (half-way between 1 and 1 + 2^-10) rounds to even
  fs::remove(path);
}

TEST(Embed, WritesNormalisedEmbeddingsAndIds) {
  fs::path out = fs::temp_directory_path() / "roz_embed_test.npy";
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::EmbedOptions options;
  options.model = parse_spec(std::string("torchscript:path=") + ROZ_TEST_TINY_MODEL + ",resolution=32");
  options.dataset = ROZ_TEST_CIFAR_DIR;
  options.out = out;
  options.limit = 30;
  options.batch_size = 8;
  core::EmbedReport report = core::embed_dataset(host, options);
  EXPECT_EQ(report.rows, 30);
  EXPECT_EQ(report.dim, 64);

  overlap::NpyMatrix m = overlap::read_npy(out);
  ASSERT_EQ(m.rows, 30);
  at::Tensor embeddings = at::from_blob(m.data.data(), {m.rows, m.cols}, at::kFloat).clone();
  EXPECT_TRUE(at::allclose(embeddings.norm(2, 1), at::ones({30}), 1e-5, 1e-5));
  // Row i is the model's normalised embedding of sample i.
  auto model = host.create_model(options.model);
  at::Tensor direct = model->encode_image(test::load_cifar(30).tensor.slice(0, 0, 30)).detach();
  direct = direct / direct.norm(2, 1, true);
  EXPECT_TRUE(at::allclose(embeddings, direct, 1e-5, 1e-5));

  std::ifstream ids(core::ids_path_for(out));
  std::string line;
  int n = 0;
  while (std::getline(ids, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["row"], n);
    EXPECT_EQ(j["label"], 0);  // the first 30 samples are all airplanes
    EXPECT_EQ(j["id"], "airplane/00" + std::string(n < 10 ? "0" : "") + std::to_string(n) + ".jpg");
    ++n;
  }
  EXPECT_EQ(n, 30);
  fs::remove(out);
  fs::remove(core::ids_path_for(out));
}

TEST(Embed, WritesCaptionEmbeddingsRowForRowWithTheImages) {
  const fs::path dir = fs::temp_directory_path() / "roz_embed_captions";
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream captions(dir / "captions.jsonl");
    for (int i = 0; i < 12; ++i)
      captions << nlohmann::json{{"id", "airplane/00" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ".jpg"},
                                 {"caption", "an airplane, number " + std::to_string(i)}}
                      .dump()
               << "\n";
  }
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::EmbedOptions options;
  options.model = parse_spec(std::string("torchscript:path=") + ROZ_TEST_TINY_MODEL + ",resolution=32");
  options.dataset = ROZ_TEST_CIFAR_DIR;
  options.out = dir / "emb.npy";
  options.captions = dir / "captions.jsonl";
  options.limit = 12;
  options.batch_size = 5;
  const core::EmbedReport report = core::embed_dataset(host, options);
  ASSERT_EQ(report.text_embeddings, dir / "emb.text.npy");
  overlap::NpyMatrix text = overlap::read_npy(report.text_embeddings);
  ASSERT_EQ(text.rows, 12);
  auto model = host.create_model(options.model);
  std::vector<std::string> captions;
  for (int i = 0; i < 12; ++i) captions.push_back("an airplane, number " + std::to_string(i));
  at::Tensor direct = model->encode_text(model->tokenize(captions)).detach();
  direct = direct / direct.norm(2, 1, true);
  EXPECT_TRUE(at::allclose(at::from_blob(text.data.data(), {12, text.cols}, at::kFloat), direct, 1e-5, 1e-5));
  // The ids and the model travel with them, so the index records the model.
  const std::vector<overlap::RowInfo> ids = overlap::read_ids(overlap::find_ids_file(report.text_embeddings));
  ASSERT_EQ(ids.size(), 12u);
  EXPECT_EQ(ids[3].caption, "an airplane, number 3");
  EXPECT_EQ(overlap::read_embedding_model(report.text_embeddings).model_hash, model->content_hash());

  options.limit = 13;  // the 13th image has no caption
  try {
    core::embed_dataset(host, options);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("no caption for 'airplane/0012.jpg'"), std::string::npos) << e.what();
  }
  // A failure midway (no caption for the 8th image, in the second batch) leaves neither a .npy nor
  // the rows streamed so far: they went to a .part file, removed; the previous ids file is whole.
  {
    std::ofstream without_7(dir / "captions-7.jsonl");
    for (int i = 0; i < 12; ++i)
      if (i != 7)
        without_7 << nlohmann::json{{"id", "airplane/00" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ".jpg"},
                                   {"caption", "an airplane"}}
                        .dump()
                 << "\n";
  }
  options.captions = dir / "captions-7.jsonl";
  options.limit = 12;
  EXPECT_THROW(core::embed_dataset(host, options), DataError);
  EXPECT_FALSE(fs::exists(dir / "emb.npy"));
  EXPECT_FALSE(fs::exists(dir / "emb.ids.jsonl.part"));
  EXPECT_EQ(overlap::read_ids(dir / "emb.ids.jsonl").size(), 12u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace roz
