// CLIP's byte-level BPE tokenizer, giving the same ids as OpenAI's clip/simple_tokenizer.py.
// Text cleaning follows the reference: ftfy.fix_text (HTML entities, C1 controls, Latin ligatures,
// character width, curly quotes, line breaks, terminal escapes, control characters, NFC; ftfy's
// mojibake repair is not reproduced), html.unescape twice, whitespace collapse, Unicode lower-case.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

class ClipTokenizer {
 public:
  static constexpr std::int64_t kStartOfText = 49406;
  static constexpr std::int64_t kEndOfText = 49407;
  static constexpr std::int64_t kVocabSize = 49408;
  static constexpr std::size_t kContextLength = 77;

  // The tokenizer over CLIP's merges file (bpe_simple_vocab_16e6), embedded in the SDK library.
  // Built on first use; thread-safe.
  static const ClipTokenizer& instance();

  // From the text of a merges file (as in bpe_simple_vocab_16e6.txt, after gunzip).
  explicit ClipTokenizer(std::string_view merges);
  ~ClipTokenizer();
  ClipTokenizer(const ClipTokenizer&) = delete;
  ClipTokenizer& operator=(const ClipTokenizer&) = delete;

  // BPE ids of UTF-8 text, without start/end tokens (SimpleTokenizer.encode).
  std::vector<std::int64_t> encode(std::string_view text) const;
  // Start + encode + end; when longer than context_length, truncated keeping the end token.
  std::vector<std::int64_t> tokenize(std::string_view text, std::size_t context_length = kContextLength) const;
  // Ids back to text (SimpleTokenizer.decode: word ends become spaces).
  std::string decode(const std::vector<std::int64_t>& ids) const;

  // The cleaning step alone, as UTF-8 (exposed for tests and debugging).
  static std::string clean(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roz

#pragma GCC visibility pop
