// Text-prompt attacks on a zero-shot head: a greedy word-level search over the class prompts (every
// template filled with every class name). Each prompt in turn gets up to k word edits; an edit is
// kept when it raises the objective:
//   loss       the cross-entropy of the attack images under the head rebuilt from the edited prompts
//              (the prompt ensemble: class embedding = normalised mean of normalised prompt embeddings);
//   embedding  1 - cos(edited prompt's embedding, original prompt's embedding), images unused.
// What an edit is (a synonym, a character edit) is the caller's: a function giving a word's substitutes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "roz/attack.hpp"
#include "roz/context.hpp"
#include "roz/params.hpp"

namespace roz::attacks {

enum class PromptObjective { loss, embedding };

struct PromptSearchOptions {
  int max_words = 1;  // k: words changed per prompt at most (word-level edit distance, roz/words.hpp)
  PromptObjective objective = PromptObjective::loss;
  int max_substitutes = 20;  // substitutes tried per word and round
  bool keep_class_name = false;
  bool skip_stopwords = true;
  std::int64_t text_batch = 256;
};

std::vector<ParamSpec> prompt_search_params(const PromptSearchOptions& defaults);
PromptSearchOptions read_prompt_search(const Params& params);

// Substitutes for `word` as written in a prompt (its case kept where it matters); `seed` is that
// word's own stream, for generators that sample.
using Substitutes = std::function<std::vector<std::string>(const std::string& word, std::uint64_t seed)>;

// The attacked prompts, one per (class, template) in the input's order, and the text and image
// encodings used (as queries). `seed` is the plugin's own (context.seed).
PromptAttackResult search_prompts(Classifier& target, const PromptSet& prompts, const AttackBatch& batch,
                                  const PromptSearchOptions& options, const Substitutes& substitutes,
                                  const PluginContext& context, const std::string& name);

// A text-prompt attack whose edits are `substitutes`: it attacks the prompts with search_prompts
// and refuses to perturb images (multimodal pairs it with an image attack).
class PromptSearchAttack : public Attack {
 public:
  PromptSearchAttack(const Params& params, const PluginContext& context, std::string name)
      : options_(read_prompt_search(params)), context_(context), name_(std::move(name)) {}

 private:
  AttackResult perturb_(Classifier& target, const AttackBatch& batch) override;
  PromptAttackResult perturb_prompts_(Classifier& target, const PromptSet& prompts, const AttackBatch& batch) override;

 protected:
  virtual std::vector<std::string> substitutes(const std::string& word, std::uint64_t seed) const = 0;

 private:
  PromptSearchOptions options_;
  PluginContext context_;
  std::string name_;
};

}  // namespace roz::attacks
