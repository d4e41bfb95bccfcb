// A substitution lexicon: word -> substitutes, best first. The text format (plain or gzipped):
// one line per word, "word<TAB>sub1 sub2 ...", '#' starts a comment line. Lookups are lower-case.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace roz::word_substitution {

class Lexicon {
 public:
  // Parses the format above; `source` names the data in errors (file and line).
  Lexicon(std::string_view text, const std::string& source);

  // WordNet 3.0 synonyms (single words), embedded in the plugin.
  static const Lexicon& wordnet();
  static Lexicon from_file(const std::filesystem::path& file);

  // Substitutes of a lower-case word; empty when it has none.
  const std::vector<std::string>& substitutes(const std::string& word) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<std::string, std::vector<std::string>> entries_;
};

}  // namespace roz::word_substitution
