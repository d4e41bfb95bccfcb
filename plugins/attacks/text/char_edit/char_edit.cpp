// char_edit: the text-prompt attack by character edits. Each class prompt gets at most k words
// changed, each by one edit: swapping two adjacent letters, deleting one, inserting a random letter,
// or replacing a letter with a look-alike from another script (homoglyph: Latin 'a' -> Cyrillic 'а').
// The edited words of a prompt are searched greedily like word_substitution's (prompt_search.hpp);
// the substitutes of a word are all its single edits of the allowed kinds, in an order drawn from
// the word's own seed, so the `substitutes` budget samples them without bias.
#include <algorithm>
#include <array>
#include <random>
#include <string_view>
#include <utility>

#include "roz/error.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "roz/support/attacks/prompt_search.hpp"
#include "text_attacks_library.hpp"

namespace {

// Latin letters and a visually identical letter of Cyrillic or Latin Extended (UTF-8).
constexpr std::array<std::pair<char, std::string_view>, 32> kHomoglyphs{{
    {'a', "\u0430"}, {'c', "\u0441"}, {'d', "\u0501"}, {'e', "\u0435"}, {'g', "\u0261"}, {'h', "\u04bb"},
    {'i', "\u0456"}, {'j', "\u0458"}, {'l', "\u04cf"}, {'o', "\u043e"}, {'p', "\u0440"}, {'q', "\u051b"},
    {'s', "\u0455"}, {'w', "\u051d"}, {'x', "\u0445"}, {'y', "\u0443"}, {'A', "\u0410"}, {'B', "\u0412"},
    {'C', "\u0421"}, {'E', "\u0415"}, {'H', "\u041d"}, {'I', "\u0406"}, {'J', "\u0408"}, {'K', "\u041a"},
    {'M', "\u041c"}, {'N', "\u039d"}, {'O', "\u041e"}, {'P', "\u0420"}, {'S', "\u0405"}, {'T', "\u0422"},
    {'X', "\u0425"}, {'Y', "\u04ae"},
}};

std::string_view homoglyph(char c) {
  for (const auto& [latin, glyph] : kHomoglyphs)
    if (latin == c) return glyph;
  return {};
}

bool ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

struct EditKinds {
  bool swap = false, remove = false, insert = false, homoglyph = false;
};

// Every single edit of `word` of the allowed kinds, shuffled by `seed`. Only ASCII letters are
// edited, and nothing is inserted inside a multi-byte character, so an already edited word stays
// valid UTF-8.
std::vector<std::string> single_edits(const std::string& word, const EditKinds& kinds, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  const std::size_t n = word.size();
  for (std::size_t i = 0; i < n; ++i) {
    const bool letter = ascii_letter(word[i]);
    if (kinds.swap && letter && i + 1 < n && ascii_letter(word[i + 1]) && word[i] != word[i + 1]) {
      std::string s = word;
      std::swap(s[i], s[i + 1]);
      out.push_back(std::move(s));
    }
    if (kinds.remove && letter && n >= 2) out.push_back(word.substr(0, i) + word.substr(i + 1));
    if (kinds.homoglyph && letter && !homoglyph(word[i]).empty())
      out.push_back(word.substr(0, i) + std::string(homoglyph(word[i])) + word.substr(i + 1));
  }
  if (kinds.insert)
    for (std::size_t i = 0; i <= n; ++i) {
      if (i < n && continuation_byte(word[i])) continue;
      const char letter = static_cast<char>('a' + std::uniform_int_distribution<int>(0, 25)(rng));
      out.push_back(word.substr(0, i) + letter + word.substr(i));
    }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

class CharEdit final : public roz::attacks::PromptSearchAttack {
 public:
  CharEdit(const roz::Params& p, const roz::PluginContext& context) : PromptSearchAttack(p, context, "char_edit") {
    for (const std::string& kind : p.get_strings("edits")) {
      if (kind == "swap") kinds_.swap = true;
      if (kind == "delete") kinds_.remove = true;
      if (kind == "insert") kinds_.insert = true;
      if (kind == "homoglyph") kinds_.homoglyph = true;
    }
    if (!(kinds_.swap || kinds_.remove || kinds_.insert || kinds_.homoglyph))
      throw roz::ParamError("char_edit: 'edits' names no edit kind");
  }

 protected:
  std::vector<std::string> substitutes(const std::string& word, std::uint64_t seed) const override {
    return single_edits(word, kinds_, seed);
  }

 private:
  EditKinds kinds_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_char_edit() {
  std::vector<roz::ParamSpec> params = roz::attacks::prompt_search_params({});
  params.push_back(roz::param::string_list("edits", {"swap", "delete", "insert", "homoglyph"},
                                           {"swap", "delete", "insert", "homoglyph"},
                                           "edit kinds: adjacent swap, deletion, insertion, homoglyph"));
  return roz::attacks::attack_descriptor(
      "char_edit",
      "text-prompt attack: at most k words of each class prompt changed by one character edit each (swap, delete, "
      "insert, homoglyph)",
      std::move(params), roz::kAttacksText, roz::factory<CharEdit>());
}
