#include "roz/words.hpp"

#include <algorithm>

namespace roz {

namespace {

bool word_byte(unsigned char c) {
  return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' ||
         c == '-';
}

std::vector<std::string_view> word_views(std::string_view text) {
  std::vector<std::string_view> out;
  for (const WordSpan& w : split_words(text)) out.push_back(text.substr(w.begin, w.size));
  return out;
}

}  // namespace

std::vector<WordSpan> split_words(std::string_view text) {
  std::vector<WordSpan> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < text.size() && word_byte(static_cast<unsigned char>(text[i]))) ++i;
    out.push_back({begin, i - begin});
  }
  return out;
}

std::string replace_word(std::string_view text, const std::vector<WordSpan>& words, std::size_t index,
                         std::string_view replacement) {
  const WordSpan& w = words.at(index);
  std::string out(text.substr(0, w.begin));
  out += replacement;
  out += text.substr(w.begin + w.size);
  return out;
}

std::size_t words_changed(std::string_view original, std::string_view attacked) {
  const std::vector<std::string_view> a = word_views(original), b = word_views(attacked);
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace roz
