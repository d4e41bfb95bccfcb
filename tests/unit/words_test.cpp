// Words as text attacks edit them and the host counts their edits (roz/words.hpp), and gunzip.
#include <gtest/gtest.h>

#include <zlib.h>

#include <filesystem>

#include "roz/error.hpp"
#include "roz/gzip.hpp"
#include "roz/words.hpp"

namespace roz {
namespace {

TEST(Words, SplitsOnSeparatorsAndKeepsHomoglyphsInsideTheirWord) {
  const std::string text = "a photo of a T-shirt/top.";
  std::vector<std::string> words;
  for (const WordSpan& w : split_words(text)) words.push_back(text.substr(w.begin, w.size));
  EXPECT_EQ(words, (std::vector<std::string>{"a", "photo", "of", "a", "T-shirt", "top"}));
  const std::string cyrillic = "a ph\u043eto";  // Cyrillic o
  ASSERT_EQ(split_words(cyrillic).size(), 2u);
  EXPECT_EQ(split_words(cyrillic)[1].size, 6u);
  EXPECT_EQ(replace_word(text, split_words(text), 5, "bottom"), "a photo of a T-shirt/bottom.");
}

TEST(Words, CountsWordLevelEdits) {
  EXPECT_EQ(words_changed("a photo of a dog.", "a photo of a dog."), 0u);
  EXPECT_EQ(words_changed("a photo of a dog.", "a picture of a dog."), 1u);
  EXPECT_EQ(words_changed("a photo of a dog.", "a pohto of a dgo."), 2u);
  EXPECT_EQ(words_changed("a photo of a dog.", "photo of a dog."), 1u);         // deletion
  EXPECT_EQ(words_changed("a photo of a dog.", "a nice photo of a dog."), 1u);  // insertion
  EXPECT_EQ(words_changed("a photo", "a photo/picture"), 1u);
  EXPECT_EQ(words_changed("", "one two"), 2u);
}

TEST(Gzip, RoundTripsAndNamesCorruptData) {
  const std::string text(100000, 'x');
  std::string packed(compressBound(static_cast<uLong>(text.size())) + 64, '\0');
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(packed.data());
  zs.avail_out = static_cast<uInt>(packed.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  packed.resize(zs.total_out);
  deflateEnd(&zs);
  const auto* bytes = reinterpret_cast<const unsigned char*>(packed.data());
  EXPECT_EQ(gunzip(bytes, packed.size(), "test"), text);
  try {
    gunzip(bytes, packed.size() / 2, "half a stream");
    ADD_FAILURE() << "a truncated stream must throw";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("half a stream"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_maybe_gzipped("/nonexistent/roz/lexicon.gz"), DataError);
  // A directory opens and then fails to read (EISDIR): a named DataError, not std::ios_base::failure.
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  try {
    read_maybe_gzipped(dir);
    ADD_FAILURE() << "a directory must throw";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), "file '" + dir.string() + "': is a directory, not a file");
  }
}

}  // namespace
}  // namespace roz
