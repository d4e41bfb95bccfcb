#include "roz/clip_tokenizer.hpp"

#include <array>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "embedded_vocab.hpp"
#include "roz/error.hpp"
#include "text_cleaning.hpp"

namespace roz {

using tokenizer::u32_to_utf8;

namespace {

constexpr std::u32string_view kStartText = U"<|startoftext|>";
constexpr std::u32string_view kEndText = U"<|endoftext|>";

// GPT-2's reversible byte -> printable code point table (bytes_to_unicode), in the reference's order.
std::vector<std::pair<int, char32_t>> bytes_to_unicode() {
  std::vector<std::pair<int, char32_t>> table;
  std::array<bool, 256> printable{};
  for (int b = '!'; b <= '~'; ++b) printable[static_cast<size_t>(b)] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[static_cast<size_t>(b)] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[static_cast<size_t>(b)] = true;
  for (int b = 0; b < 256; ++b)
    if (printable[static_cast<size_t>(b)]) table.emplace_back(b, static_cast<char32_t>(b));
  int n = 0;
  for (int b = 0; b < 256; ++b)
    if (!printable[static_cast<size_t>(b)]) table.emplace_back(b, static_cast<char32_t>(256 + n++));
  return table;
}

bool starts_with(std::u32string_view text, size_t pos, std::u32string_view prefix) {
  return text.substr(pos, prefix.size()) == prefix;
}

// The reference pattern, tried in order at each position:
//   <|startoftext|> | <|endoftext|> | 's|'t|'re|'ve|'m|'ll|'d | \p{L}+ | \p{N} | [^\s\p{L}\p{N}]+
// (case-insensitive: the text is already lower-case, and U+017F long s folds to 's').
std::vector<std::u32string_view> pre_tokenize(std::u32string_view text) {
  using tokenizer::is_letter;
  using tokenizer::is_number;
  using tokenizer::is_regex_space;
  std::vector<std::u32string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 0;
    if (starts_with(text, i, kStartText)) {
      len = kStartText.size();
    } else if (starts_with(text, i, kEndText)) {
      len = kEndText.size();
    } else if (text[i] == U'\'' && i + 1 < text.size()) {
      char32_t a = text[i + 1] == 0x17F ? U's' : text[i + 1];
      char32_t b = i + 2 < text.size() ? text[i + 2] : 0;
      if (a == U's' || a == U't' || a == U'm' || a == U'd') len = 2;
      else if ((a == U'r' || a == U'v') && b == U'e') len = 3;
      else if (a == U'l' && b == U'l') len = 3;
    }
    if (len == 0) {
      char32_t c = text[i];
      if (is_letter(c)) {
        len = 1;
        while (i + len < text.size() && is_letter(text[i + len])) ++len;
      } else if (is_number(c)) {
        len = 1;
      } else if (!is_regex_space(c)) {
        auto other = [](char32_t x) { return !is_regex_space(x) && !is_letter(x) && !is_number(x); };
        len = 1;
        while (i + len < text.size() && other(text[i + len])) ++len;
      } else {
        ++i;  // whitespace separates tokens
        continue;
      }
    }
    out.push_back(text.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace

struct ClipTokenizer::Impl {
  std::array<std::string, 256> byte_encoder;           // byte -> UTF-8 of its code point
  std::unordered_map<char32_t, unsigned char> byte_decoder;
  std::unordered_map<std::string, std::int64_t> encoder;
  std::vector<std::string> decoder;
  std::unordered_map<std::string, int> ranks;  // "first second" -> merge rank
  mutable std::shared_mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<std::int64_t>> cache;

  std::vector<std::int64_t> bpe(const std::string& token) const;
};

ClipTokenizer::ClipTokenizer(std::string_view merges_text) : impl_(std::make_unique<Impl>()) {
  std::vector<std::string> vocab;
  for (auto [byte, cp] : bytes_to_unicode()) {
    impl_->byte_encoder[static_cast<size_t>(byte)] = u32_to_utf8(std::u32string(1, cp));
    impl_->byte_decoder[cp] = static_cast<unsigned char>(byte);
    vocab.push_back(impl_->byte_encoder[static_cast<size_t>(byte)]);
  }
  for (size_t i = 0; i < 256; ++i) vocab.push_back(vocab[i] + "</w>");

  // merges[1 : 49152 - 256 - 2 + 1]: skip the "#version" line, keep 48,894 merges.
  constexpr size_t kMerges = 49152 - 256 - 2;
  size_t pos = merges_text.find('\n');
  if (pos == std::string_view::npos) throw Error("CLIP tokenizer: merges file has no header line");
  ++pos;
  for (size_t rank = 0; rank < kMerges; ++rank) {
    size_t end = merges_text.find('\n', pos);
    if (end == std::string_view::npos) end = merges_text.size();
    std::string_view line = merges_text.substr(pos, end - pos);
    size_t space = line.find(' ');
    if (pos >= merges_text.size() || space == std::string_view::npos)
      throw Error("CLIP tokenizer: merges file is truncated or malformed at merge " + std::to_string(rank + 1));
    impl_->ranks.emplace(std::string(line), static_cast<int>(rank));
    vocab.push_back(std::string(line.substr(0, space)) + std::string(line.substr(space + 1)));
    pos = end + 1;
  }
  vocab.push_back(u32_to_utf8(kStartText));
  vocab.push_back(u32_to_utf8(kEndText));
  for (size_t i = 0; i < vocab.size(); ++i) impl_->encoder.emplace(vocab[i], static_cast<std::int64_t>(i));
  impl_->decoder = std::move(vocab);
  impl_->cache[u32_to_utf8(kStartText)] = {kStartOfText};
  impl_->cache[u32_to_utf8(kEndText)] = {kEndOfText};
}

ClipTokenizer::~ClipTokenizer() = default;

const ClipTokenizer& ClipTokenizer::instance() {
  static const ClipTokenizer tokenizer(tokenizer::embedded_merges());
  return tokenizer;
}

std::vector<std::int64_t> ClipTokenizer::Impl::bpe(const std::string& token) const {
  {
    std::shared_lock lock(cache_mutex);
    auto it = cache.find(token);
    if (it != cache.end()) return it->second;
  }
  // Symbols: one per byte-character; the last one carries the end-of-word marker.
  std::vector<std::string> word;
  for (size_t i = 0; i < token.size();) {
    size_t len = 1;
    while (i + len < token.size() && (static_cast<unsigned char>(token[i + len]) & 0xC0) == 0x80) ++len;
    word.push_back(token.substr(i, len));
    i += len;
  }
  word.back() += "</w>";
  while (word.size() > 1) {
    int best = std::numeric_limits<int>::max();
    size_t best_at = 0;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      auto it = ranks.find(word[i] + " " + word[i + 1]);
      if (it != ranks.end() && it->second < best) {
        best = it->second;
        best_at = i;
      }
    }
    if (best == std::numeric_limits<int>::max()) break;
    const std::string first = word[best_at], second = word[best_at + 1];
    std::vector<std::string> merged;
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(word[i++]);
      }
    }
    word = std::move(merged);
  }
  std::vector<std::int64_t> ids;
  for (const std::string& symbol : word) {
    auto it = encoder.find(symbol);
    if (it == encoder.end()) throw Error("CLIP tokenizer: symbol missing from the vocabulary");
    ids.push_back(it->second);
  }
  std::unique_lock lock(cache_mutex);
  cache.emplace(token, ids);
  return ids;
}

std::vector<std::int64_t> ClipTokenizer::encode(std::string_view text) const {
  std::u32string cleaned = tokenizer::clean_text(tokenizer::utf8_to_u32(text));
  std::vector<std::int64_t> ids;
  for (std::u32string_view piece : pre_tokenize(cleaned)) {
    std::string bytes = u32_to_utf8(piece), token;
    if (piece == kStartText || piece == kEndText) {
      token = bytes;
    } else {
      for (unsigned char b : bytes) token += impl_->byte_encoder[b];
    }
    std::vector<std::int64_t> piece_ids = impl_->bpe(token);
    ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
  }
  return ids;
}

std::vector<std::int64_t> ClipTokenizer::tokenize(std::string_view text, std::size_t context_length) const {
  if (context_length < 2) throw Error("CLIP tokenizer: context length must be at least 2");
  std::vector<std::int64_t> ids{kStartOfText};
  std::vector<std::int64_t> body = encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.push_back(kEndOfText);
  if (ids.size() > context_length) {
    ids.resize(context_length);
    ids.back() = kEndOfText;
  }
  return ids;
}

std::string ClipTokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::string joined;
  for (std::int64_t id : ids) {
    if (id < 0 || id >= static_cast<std::int64_t>(impl_->decoder.size()))
      throw Error("CLIP tokenizer: id " + std::to_string(id) + " outside the vocabulary");
    joined += impl_->decoder[static_cast<size_t>(id)];
  }
  std::string bytes;
  for (char32_t c : tokenizer::utf8_to_u32(joined)) {
    auto it = impl_->byte_decoder.find(c);
    if (it != impl_->byte_decoder.end()) bytes += static_cast<char>(it->second);
  }
  std::string text = u32_to_utf8(tokenizer::utf8_to_u32(bytes));  // invalid UTF-8 -> U+FFFD, like errors="replace"
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, "</w>") == 0) {
      out += ' ';
      i += 4;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string ClipTokenizer::clean(std::string_view text) {
  return u32_to_utf8(tokenizer::clean_text(tokenizer::utf8_to_u32(text)));
}

}  // namespace roz
