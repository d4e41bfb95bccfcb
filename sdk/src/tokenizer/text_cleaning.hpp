// The text cleaning of CLIP's tokenizer, on code points (internal to the SDK).
#pragma once

#include <string>
#include <string_view>

namespace roz::tokenizer {

std::u32string utf8_to_u32(std::string_view utf8);  // invalid sequences become U+FFFD
std::string u32_to_utf8(std::u32string_view text);

// ftfy.fix_text without mojibake repair.
std::u32string ftfy_fix_text(std::u32string text);
// Python's html.unescape.
std::u32string html_unescape(std::u32string_view text);
// whitespace_clean(basic_clean(text)).lower(), as in simple_tokenizer.encode.
std::u32string clean_text(std::u32string_view text);

// The character classes of the reference's regex (`regex` module): \s, \p{L}, \p{N}.
bool is_regex_space(char32_t c);
bool is_letter(char32_t c);
bool is_number(char32_t c);

}  // namespace roz::tokenizer
