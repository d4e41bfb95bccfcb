#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "roz/clip_tokenizer.hpp"
#include "roz/error.hpp"

namespace roz {
namespace {

const ClipTokenizer& tok() { return ClipTokenizer::instance(); }

TEST(ClipTokenizer, KnownIds) {
  EXPECT_EQ(tok().tokenize("a diagram"), (std::vector<std::int64_t>{49406, 320, 22697, 49407}));
  EXPECT_EQ(tok().encode("a photo of a"), (std::vector<std::int64_t>{320, 1125, 539, 320}));
  EXPECT_EQ(tok().encode("A  PHOTO\tof   a "), tok().encode("a photo of a"));
  EXPECT_TRUE(tok().encode("").empty());
  EXPECT_EQ(tok().tokenize(""), (std::vector<std::int64_t>{49406, 49407}));
}

// Golden ids from OpenAI's simple_tokenizer.py (tools/tokenizer/make_goldens.py): the 1,000
// ImageNet prompts, the 80 templates, Fashion-MNIST names and ~100 non-ASCII and edge-case strings.
TEST(ClipTokenizer, MatchesTheReferenceOnGoldenStrings) {
  std::ifstream in(ROZ_TEST_FIXTURE_SOURCE_DIR "/clip_tokenizer_goldens.jsonl");
  ASSERT_TRUE(in) << "missing golden file";
  std::string line;
  int checked = 0, non_ascii = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string text = j["text"];
    std::vector<std::int64_t> expected = j["ids"];
    EXPECT_EQ(tok().encode(text), expected) << "text: " << text << "\ncleaned: " << ClipTokenizer::clean(text);
    ++checked;
    for (unsigned char c : text)
      if (c >= 0x80) {
        ++non_ascii;
        break;
      }
  }
  EXPECT_GE(checked, 1150);
  EXPECT_GE(non_ascii, 50);
}

TEST(ClipTokenizer, TruncationKeepsTheEndToken) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "photograph ";
  std::vector<std::int64_t> ids = tok().tokenize(text);
  ASSERT_EQ(ids.size(), ClipTokenizer::kContextLength);
  EXPECT_EQ(ids.front(), ClipTokenizer::kStartOfText);
  EXPECT_EQ(ids.back(), ClipTokenizer::kEndOfText);
  EXPECT_EQ(ids[75], tok().encode("photograph").front());
  EXPECT_EQ(tok().tokenize(text, 5).size(), 5u);
  EXPECT_THROW(tok().tokenize(text, 1), Error);
}

TEST(ClipTokenizer, DecodeInvertsEncodeUpToCleaning) {
  EXPECT_EQ(tok().decode(tok().encode("A Photo of a Café, 東京!")), "a photo of a café , 東京 ! ");
  EXPECT_EQ(tok().decode({49406, 320, 22697, 49407}), "<|startoftext|>a diagram <|endoftext|>");
  EXPECT_THROW(tok().decode({49408}), Error);
}

TEST(ClipTokenizer, CleaningFollowsFtfyAndHtmlUnescape) {
  EXPECT_EQ(ClipTokenizer::clean("  &amp;amp;amp; ＬＯＵＤ “Quotes” ﬁne\u00a0x "), "& loud \"quotes\" fine x");
  EXPECT_EQ(ClipTokenizer::clean("Cafe\u0301"), "caf\u00e9");  // NFC
  EXPECT_EQ(ClipTokenizer::clean("ΟΔΟΣ"), "οδος");            // final sigma
  EXPECT_EQ(ClipTokenizer::clean("\x1b[1mbold\x1b[0m"), "bold");
}

TEST(ClipTokenizer, ThreadSafe) {
  std::vector<std::vector<std::int64_t>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) results[t] = tok().encode("a photo of a great white shark " + std::to_string(i % 7));
    });
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_EQ(r, results[0]);
}

TEST(ClipTokenizer, MalformedMergesAreAClearError) {
  EXPECT_THROW(ClipTokenizer("no header"), Error);
  try {
    ClipTokenizer("#version: 0.2\ni n\nt h\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated or malformed at merge 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roz
