// word_substitution: the text-prompt attack by synonyms. Each class prompt gets at most k words
// replaced by substitutes from a lexicon (default: WordNet 3.0 synonyms, embedded), greedily
// maximising the image cross-entropy under the attacked head or the prompt embedding's divergence
// (prompt_search.hpp). Capitalisation of the replaced word is kept.
#include <algorithm>
#include <cctype>
#include <memory>

#include "lexicon.hpp"
#include "roz/error.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "roz/support/attacks/prompt_search.hpp"
#include "text_attacks_library.hpp"

namespace {

using roz::word_substitution::Lexicon;

class WordSubstitution final : public roz::attacks::PromptSearchAttack {
 public:
  WordSubstitution(const roz::Params& p, const roz::PluginContext& context)
      : PromptSearchAttack(p, context, "word_substitution") {
    const std::string& file = p.get_string("lexicon");
    if (file.empty()) {
      lexicon_ = &Lexicon::wordnet();
    } else {
      own_ = std::make_unique<Lexicon>(Lexicon::from_file(file));
      lexicon_ = own_.get();
    }
  }

 protected:
  std::vector<std::string> substitutes(const std::string& word, std::uint64_t) const override {
    std::string lower = word;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::vector<std::string> out = lexicon_->substitutes(lower);
    if (std::isupper(static_cast<unsigned char>(word[0])))
      for (std::string& s : out) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return out;
  }

 private:
  std::unique_ptr<Lexicon> own_;
  const Lexicon* lexicon_ = nullptr;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_word_substitution() {
  std::vector<roz::ParamSpec> params = roz::attacks::prompt_search_params({});
  params.push_back(roz::param::string(
      "lexicon", "", "substitution lexicon file (word<TAB>substitutes, .gz allowed); empty: WordNet 3.0 synonyms"));
  return roz::attacks::attack_descriptor(
      "word_substitution",
      "text-prompt attack: at most k words of each class prompt replaced by lexicon synonyms (WordNet by default)",
      std::move(params), roz::kAttacksText, roz::factory<WordSubstitution>());
}
