#include "text_cleaning.hpp"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace roz::tokenizer {

namespace {

struct NamedString {
  std::string_view name;
  std::string_view value;
};
struct CodepointMap {
  char32_t from;
  char32_t to;
};
struct CodepointString {
  char32_t from;
  std::string_view to;
};

#include "text_tables.inc"

template <class T, size_t N, class Key, class Proj>
const T* find_sorted(const T (&table)[N], const Key& key, Proj proj) {
  auto it = std::lower_bound(std::begin(table), std::end(table), key,
                             [&](const T& row, const Key& k) { return proj(row) < k; });
  return it != std::end(table) && proj(*it) == key ? it : nullptr;
}

template <size_t N>
const std::string_view* find_named_any(const NamedString (&table)[N], std::string_view name) {
  const NamedString* row = find_sorted(table, name, [](const NamedString& r) { return r.name; });
  return row ? &row->value : nullptr;
}

template <size_t N>
const std::string_view* find_codepoint_string(const CodepointString (&table)[N], char32_t c) {
  const CodepointString* row = find_sorted(table, c, [](const CodepointString& r) { return r.from; });
  return row ? &row->to : nullptr;
}

template <size_t N>
bool contains(const char32_t (&table)[N], char32_t c) {
  return std::binary_search(std::begin(table), std::end(table), c);
}

// Entity names are ASCII: copies an all-ASCII slice into `out`, or returns false.
bool ascii_slice(std::u32string_view s, std::string& out) {
  out.clear();
  for (char32_t c : s) {
    if (c > 0x7F) return false;
    out += static_cast<char>(c);
  }
  return true;
}

void append_utf8(std::u32string& out, std::string_view utf8) { out += utf8_to_u32(utf8); }

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_ascii_hex(char32_t c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Python's str.isspace: White_Space plus the information separators U+001C..U+001F.
bool is_python_space(char32_t c) { return is_regex_space(c) || (c >= 0x1C && c <= 0x1F); }

std::u32string python_strip(std::u32string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_python_space(s[b])) ++b;
  while (e > b && is_python_space(s[e - 1])) --e;
  return std::u32string(s.substr(b, e - b));
}

icu::UnicodeString to_icu(std::u32string_view s) {
  return icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(s.data()), static_cast<int32_t>(s.size()));
}

std::u32string from_icu(const icu::UnicodeString& s) {
  std::u32string out(static_cast<size_t>(s.countChar32()), U'\0');
  UErrorCode status = U_ZERO_ERROR;
  s.toUTF32(reinterpret_cast<UChar32*>(out.data()), static_cast<int32_t>(out.size()), status);
  if (U_FAILURE(status)) throw std::runtime_error("CLIP tokenizer: UTF-32 conversion failed");
  return out;
}

std::u32string nfc(const std::u32string& s) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("CLIP tokenizer: ICU NFC normaliser unavailable");
  icu::UnicodeString result = normalizer->normalize(to_icu(s), status);
  if (U_FAILURE(status)) throw std::runtime_error("CLIP tokenizer: NFC normalisation failed");
  return from_icu(result);
}

// ftfy's unescape_html: '&#?[0-9A-Za-z]{1,24};' replaced by its entity, numeric ones through
// html.unescape, unknown ones left alone.
std::u32string ftfy_unescape_html(const std::u32string& s) {
  std::u32string out;
  std::string name;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == U'&') {
      size_t j = i + 1;
      if (j < s.size() && s[j] == U'#') ++j;
      size_t run = j;
      while (run < s.size() && is_ascii_alnum(s[run])) ++run;
      if (run > j && run - j <= 24 && run < s.size() && s[run] == U';') {
        std::u32string_view match(s.data() + i, run + 1 - i);
        ascii_slice(match, name);
        if (const std::string_view* value = find_named_any(kFtfyEntities, name)) {
          append_utf8(out, *value);
        } else if (s[i + 1] == U'#') {
          std::u32string decoded = html_unescape(match);
          out += decoded.find(U';') != std::u32string::npos ? std::u32string(match) : decoded;
        } else {
          out += match;
        }
        i = run + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

std::u32string fix_c1_controls(std::u32string s) {
  for (char32_t& c : s)
    if (c >= 0x80 && c <= 0x9F) c = kC1Controls[c - 0x80].to;
  return s;
}

std::u32string fix_ligatures_and_width(const std::u32string& s) {
  std::u32string out;
  for (char32_t c : s) {
    if (const std::string_view* lig = find_codepoint_string(kLigatures, c)) append_utf8(out, *lig);
    else out += c;
  }
  std::u32string out2;
  for (char32_t c : out) {
    if (const std::string_view* w = find_codepoint_string(kWidthMap, c)) append_utf8(out2, *w);
    else out2 += c;
  }
  return out2;
}

std::u32string uncurl_quotes(std::u32string s) {
  for (char32_t& c : s) {
    if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B)) c = U'\'';
    else if (c >= 0x201C && c <= 0x201F) c = U'"';
  }
  return s;
}

std::u32string fix_line_breaks(const std::u32string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c == U'\r') {
      out += U'\n';
      if (i + 1 < s.size() && s[i + 1] == U'\n') ++i;
    } else if (c == 0x2028 || c == 0x2029 || c == 0x85) {
      out += U'\n';
    } else {
      out += c;
    }
  }
  return out;
}

// ftfy's ANSI_RE: ESC '[' (digits | ';')* letter, with Unicode decimal digits.
std::u32string remove_terminal_escapes(const std::u32string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == 0x1B && i + 1 < s.size() && s[i + 1] == U'[') {
      size_t j = i + 2;
      while (j < s.size() && (s[j] == U';' || u_charType(static_cast<UChar32>(s[j])) == U_DECIMAL_DIGIT_NUMBER)) ++j;
      if (j < s.size() && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z'))) {
        i = j + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

std::u32string remove_control_chars(const std::u32string& s) {
  std::u32string out;
  for (char32_t c : s)
    if (!contains(kControlChars, c)) out += c;
  return out;
}

// One segment (a line with its '\n'), fixed until it stops changing, like ftfy.fix_and_explain.
std::u32string fix_segment(std::u32string text, bool unescape) {
  while (true) {
    std::u32string original = text;
    if (unescape) text = ftfy_unescape_html(text);
    text = fix_c1_controls(std::move(text));
    text = fix_ligatures_and_width(text);
    text = uncurl_quotes(std::move(text));
    text = fix_line_breaks(text);
    text = remove_terminal_escapes(text);
    text = remove_control_chars(text);
    text = nfc(text);
    if (text == original) return text;
  }
}

char32_t numeric_charref(std::u32string_view digits, int base, bool& drop) {
  drop = false;
  std::uint64_t value = 0;
  for (char32_t c : digits) {
    std::uint64_t d = is_ascii_digit(c) ? c - U'0' : (c | 0x20) - U'a' + 10;
    value = std::min<std::uint64_t>(value * static_cast<std::uint64_t>(base) + d, 0x7FFFFFFF);
  }
  for (const CodepointMap& m : kInvalidCharrefs)
    if (m.from == value) return m.to;
  if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) return 0xFFFD;
  if (contains(kInvalidCodepoints, static_cast<char32_t>(value))) {
    drop = true;
    return 0;
  }
  return static_cast<char32_t>(value);
}

}  // namespace

std::u32string utf8_to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    char32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    bool ok = len > 0 && i + static_cast<size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      ok = (cc >> 6) == 2;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (!ok || cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out += 0xFFFD;
      ++i;
      continue;
    }
    out += cp;
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string u32_to_utf8(std::u32string_view text) {
  std::string out;
  for (char32_t c : text) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::u32string ftfy_fix_text(std::u32string text) {
  std::u32string out;
  bool unescape = true;  // ftfy turns HTML unescaping off for good once a segment holds '<'
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find(U'\n', pos);
    end = end == std::u32string::npos ? text.size() : end + 1;
    std::u32string segment = text.substr(pos, end - pos);
    if (segment.find(U'<') != std::u32string::npos) unescape = false;
    out += fix_segment(std::move(segment), unescape);
    pos = end;
  }
  return out;
}

std::u32string html_unescape(std::u32string_view s) {
  if (s.find(U'&') == std::u32string_view::npos) return std::u32string(s);
  std::u32string out;
  std::string name;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != U'&' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    size_t j = i + 1;
    if (s[j] == U'#') {
      bool hex = j + 1 < s.size() && (s[j + 1] == U'x' || s[j + 1] == U'X');
      size_t start = j + (hex ? 2 : 1), end = start;
      while (end < s.size() && (hex ? is_ascii_hex(s[end]) : is_ascii_digit(s[end]))) ++end;
      if (end > start) {
        bool drop = false;
        char32_t c = numeric_charref(s.substr(start, end - start), hex ? 16 : 10, drop);
        if (!drop) out += c;
        i = end < s.size() && s[end] == U';' ? end + 1 : end;
        continue;
      }
      out += s[i++];  // '&#' not followed by digits: no match
      continue;
    }
    // Named: up to 32 characters other than \t \n \f space < & # ;, then an optional ';'.
    size_t end = j;
    while (end < s.size() && end - j < 32 && s[end] != U'\t' && s[end] != U'\n' && s[end] != U'\f' &&
           s[end] != U' ' && s[end] != U'<' && s[end] != U'&' && s[end] != U'#' && s[end] != U';')
      ++end;
    if (end == j) {
      out += s[i++];
      continue;
    }
    if (end < s.size() && s[end] == U';') ++end;
    std::u32string_view ref = s.substr(j, end - j);
    const std::string_view* value = nullptr;
    size_t used = ref.size();
    if (ascii_slice(ref, name)) value = find_named_any(kHtml5Entities, name);
    // Else the longest known prefix (at least 2 characters), as the HTML5 standard defines.
    for (size_t x = ref.size() - 1; value == nullptr && x > 1; --x) {
      if (ascii_slice(ref.substr(0, x), name)) {
        value = find_named_any(kHtml5Entities, name);
        used = x;
      }
    }
    if (value != nullptr) {
      append_utf8(out, *value);
      out += ref.substr(used);
    } else {
      out += U'&';
      out += ref;
    }
    i = end;
  }
  return out;
}

bool is_regex_space(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

bool is_letter(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER: return true;
    default: return false;
  }
}

bool is_number(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER: return true;
    default: return false;
  }
}

std::u32string clean_text(std::u32string_view input) {
  // basic_clean: ftfy, html.unescape twice, strip.
  std::u32string text = python_strip(html_unescape(html_unescape(ftfy_fix_text(std::u32string(input)))));
  // whitespace_clean: runs of \s to one space, strip.
  std::u32string collapsed;
  for (size_t i = 0; i < text.size();) {
    if (is_regex_space(text[i])) {
      collapsed += U' ';
      while (i < text.size() && is_regex_space(text[i])) ++i;
    } else {
      collapsed += text[i++];
    }
  }
  collapsed = python_strip(collapsed);
  // str.lower(): full Unicode case mapping, no locale.
  icu::UnicodeString lowered = to_icu(collapsed);
  lowered.toLower(icu::Locale::getRoot());
  return from_icu(lowered);
}

}  // namespace roz::tokenizer
