#include "lexicon.hpp"

#include <sstream>

#include "roz/embed_file.hpp"
#include "roz/error.hpp"
#include "roz/gzip.hpp"

#ifndef ROZ_WORDNET_LEXICON
#error "ROZ_WORDNET_LEXICON (path of wordnet_synonyms.tsv.gz) is set by plugins/attacks/text/CMakeLists.txt"
#endif

ROZ_EMBED_FILE(roz_wordnet_lexicon, ROZ_WORDNET_LEXICON);

namespace roz::word_substitution {

Lexicon::Lexicon(std::string_view text, const std::string& source) {
  std::istringstream in{std::string(text)};
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0)
      throw DataError(source + ":" + std::to_string(number) + ": expected 'word<TAB>substitutes', got '" + line + "'");
    std::vector<std::string>& subs = entries_[line.substr(0, tab)];
    std::istringstream words(line.substr(tab + 1));
    for (std::string w; words >> w;) subs.push_back(w);
  }
  if (entries_.empty()) throw DataError(source + ": the lexicon has no entries");
}

const Lexicon& Lexicon::wordnet() {
  static const Lexicon lexicon(
      gunzip(roz_wordnet_lexicon_begin, static_cast<std::size_t>(roz_wordnet_lexicon_end - roz_wordnet_lexicon_begin),
             "word_substitution: the embedded WordNet lexicon"),
      "wordnet_synonyms.tsv");
  return lexicon;
}

Lexicon Lexicon::from_file(const std::filesystem::path& file) {
  return Lexicon(read_maybe_gzipped(file), file.string());
}

const std::vector<std::string>& Lexicon::substitutes(const std::string& word) const {
  static const std::vector<std::string> none;
  auto it = entries_.find(word);
  return it == entries_.end() ? none : it->second;
}

}  // namespace roz::word_substitution
