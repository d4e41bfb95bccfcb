// Class names and templates become prompts, JSON and SQLite text, which all need UTF-8: a name in
// another encoding (Latin-1 in a manifest, a folder named on an old system) is refused when the
// dataset is opened, naming it, instead of failing one cell deep into a run.
#pragma once

#include <string>
#include <string_view>

namespace roz::datasets {

// Well-formed UTF-8: no stray continuation byte, overlong form, surrogate or code point past U+10FFFF.
bool is_utf8(std::string_view text);

// `text` for an error message: the bytes of malformed sequences as \xNN, the rest as it is.
std::string escape_non_utf8(std::string_view text);

}  // namespace roz::datasets
