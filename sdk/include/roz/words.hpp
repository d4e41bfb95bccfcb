// Words of a prompt, as text attacks edit them and the host counts their edits. A word is a maximal
// run of ASCII letters, digits, apostrophes and hyphens, or of any non-ASCII bytes (so a homoglyph
// stays inside its word); everything else (spaces, '/', '.', ...) separates words.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

struct WordSpan {
  std::size_t begin = 0;  // byte offsets into the text
  std::size_t size = 0;
};

std::vector<WordSpan> split_words(std::string_view text);

// The text with word `index` replaced by `replacement`.
std::string replace_word(std::string_view text, const std::vector<WordSpan>& words, std::size_t index,
                         std::string_view replacement);

// Word-level edit distance (substitutions, insertions, deletions of whole words) between two texts:
// what "at most k words changed" is measured with.
std::size_t words_changed(std::string_view original, std::string_view attacked);

}  // namespace roz

#pragma GCC visibility pop
