#include "roz/spec.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

#include "roz/error.hpp"

namespace roz {

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

bool is_delimiter(char c) { return c == ',' || c == ';' || c == '(' || c == ')' || c == '[' || c == ']'; }

// Nested specs (compose:steps=(a;b), transfer:attack=(pgd:...)) go a few levels deep; a bound keeps
// a hostile one from overflowing the parser's recursion.
constexpr int kMaxNesting = 32;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Spec parse_top() {
    Spec spec = parse_spec_at();
    skip_space();
    if (pos_ != text_.size()) fail("", "unexpected '" + std::string(1, text_[pos_]) + "'");
    return spec;
  }

 private:
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    const std::string shown = text_.size() > 200 ? std::string(text_.substr(0, 200)) + "..." : std::string(text_);
    std::string msg = "spec '" + shown + "': ";
    if (!key.empty()) msg += "key '" + key + "': ";
    msg += what + " (at column " + std::to_string(pos_ + 1) + ")";
    throw SpecError(msg);
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  std::string parse_identifier(const std::string& what, const std::string& key) {
    skip_space();
    size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    if (start == pos_) fail(key, "expected " + what);
    return std::string(text_.substr(start, pos_ - start));
  }

  Spec parse_spec_at() {
    Spec spec;
    spec.name = parse_identifier("a plugin name", "");
    if (!peek(':')) return spec;
    ++pos_;
    std::set<std::string> seen;
    if (peek(')') || peek(';') || pos_ >= text_.size()) return spec;  // "name:" with no params
    while (true) {
      std::string key = parse_identifier("a parameter name", "");
      if (!seen.insert(key).second) fail(key, "given twice");
      if (!peek('=')) fail(key, "expected '=' after the parameter name");
      ++pos_;
      spec.params.emplace_back(key, parse_value(key));
      if (!peek(',')) break;
      ++pos_;
    }
    return spec;
  }

  SpecValue parse_value(const std::string& key) {
    SpecValue value;
    if (peek('(')) {
      ++pos_;
      if (++depth_ > kMaxNesting) fail(key, "specs nested deeper than " + std::to_string(kMaxNesting) + " levels");
      value.kind = SpecValue::Kind::spec;
      value.specs.push_back(parse_spec_at());
      while (peek(';')) {
        ++pos_;
        value.specs.push_back(parse_spec_at());
        value.kind = SpecValue::Kind::spec_list;
      }
      if (!peek(')')) fail(key, "expected ')' to close the nested spec");
      ++pos_;
      --depth_;
      return value;
    }
    if (peek('[')) {
      ++pos_;
      value.kind = SpecValue::Kind::list;
      if (peek(']')) {
        ++pos_;
        return value;
      }
      while (true) {
        value.items.push_back(parse_scalar(key));
        if (peek(',')) {
          ++pos_;
          continue;
        }
        if (!peek(']')) fail(key, "expected ',' or ']' in the list");
        ++pos_;
        return value;
      }
    }
    value.text = parse_scalar(key);
    return value;
  }

  std::string parse_scalar(const std::string& key) {
    skip_space();
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
      char quote = text_[pos_++];
      std::string out;
      while (pos_ < text_.size() && text_[pos_] != quote) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        out += text_[pos_++];
      }
      if (pos_ >= text_.size()) fail(key, "unterminated quoted value");
      ++pos_;
      return out;
    }
    size_t start = pos_;
    while (pos_ < text_.size() && !is_delimiter(text_[pos_])) ++pos_;
    std::string_view raw = text_.substr(start, pos_ - start);
    while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
    if (raw.empty()) fail(key, "empty value");
    return std::string(raw);
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;  // nested specs open at pos_
};

bool parse_plain_number(std::string_view text, double& out) {
  if (text.empty()) return false;
  std::string s(text);
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

}  // namespace

const SpecValue* Spec::find(std::string_view key) const {
  for (const auto& [k, v] : params)
    if (k == key) return &v;
  return nullptr;
}

namespace {
bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  for (char c : s)
    if (is_delimiter(c) || c == '"' || c == '\'' || c == '=' || std::isspace(static_cast<unsigned char>(c)))
      return true;
  return false;
}
std::string quote_if_needed(const std::string& s) {
  if (!needs_quotes(s)) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string Spec::to_string() const {
  std::string out = name;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& [key, value] = params[i];
    out += (i == 0 ? ":" : ",") + key + "=";
    switch (value.kind) {
      case SpecValue::Kind::scalar:
        out += quote_if_needed(value.text);
        break;
      case SpecValue::Kind::list:
        out += "[";
        for (size_t j = 0; j < value.items.size(); ++j) out += (j ? "," : "") + quote_if_needed(value.items[j]);
        out += "]";
        break;
      case SpecValue::Kind::spec:
      case SpecValue::Kind::spec_list:
        out += "(";
        for (size_t j = 0; j < value.specs.size(); ++j) out += (j ? ";" : "") + value.specs[j].to_string();
        out += ")";
        break;
    }
  }
  return out;
}

Spec parse_spec(std::string_view text) { return Parser(text).parse_top(); }

bool parse_number(std::string_view text, double& out) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return parse_plain_number(text, out);
  double num = 0, den = 0;
  if (!parse_plain_number(text.substr(0, slash), num) || !parse_plain_number(text.substr(slash + 1), den) ||
      den == 0)
    return false;
  out = num / den;
  return true;
}

bool parse_integer(std::string_view text, long long& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

bool parse_bool(std::string_view text, bool& out) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
    out = true;
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") {
    out = false;
    return true;
  }
  return false;
}

std::string format_number(double value) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, ptr);
}

}  // namespace roz
