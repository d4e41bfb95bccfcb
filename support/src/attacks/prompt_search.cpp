#include "roz/support/attacks/prompt_search.hpp"

#include <c10/core/GradMode.h>
#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "roz/support/attacks/attack_ops.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/words.hpp"

namespace roz::attacks {

std::vector<ParamSpec> prompt_search_params(const PromptSearchOptions& d) {
  return {param::integer("k", d.max_words, 1, 77, "words changed per prompt at most (word-level edit distance)"),
          param::choice("objective", d.objective == PromptObjective::loss ? "loss" : "embedding", {"loss", "embedding"},
                        "loss: cross-entropy of the attack images under the attacked head; embedding: 1 - cosine "
                        "of each prompt's text embedding to the original's"),
          param::integer("substitutes", d.max_substitutes, 1, 100000, "substitutes tried per word and round"),
          param::boolean("keep_class_name", d.keep_class_name, "never edit the words of the class name"),
          param::boolean("skip_stopwords", d.skip_stopwords, "leave function words (a, of, the, ...) alone"),
          param::integer("text_batch", d.text_batch, 1, 65536, "prompts encoded per text-tower pass")};
}

PromptSearchOptions read_prompt_search(const Params& p) {
  PromptSearchOptions o;
  o.max_words = static_cast<int>(p.get_int("k"));
  o.objective = p.get_string("objective") == "loss" ? PromptObjective::loss : PromptObjective::embedding;
  o.max_substitutes = static_cast<int>(p.get_int("substitutes"));
  o.keep_class_name = p.get_bool("keep_class_name");
  o.skip_stopwords = p.get_bool("skip_stopwords");
  o.text_batch = p.get_int("text_batch");
  return o;
}

namespace {

at::Tensor normalise(const at::Tensor& x) {
  return x / x.norm(2, -1, true).clamp_min(1e-12);
}

bool stopword(std::string_view word) {
  static const std::set<std::string, std::less<>> words{
      "a",   "an",    "the", "of",   "in",   "on",    "at",    "to",   "for",  "with", "by",  "and", "or",
      "is",  "are",   "be",  "this", "that", "these", "those", "it",   "its",  "from", "as",  "my",  "your",
      "our", "their", "his", "her",  "some", "there", "into",  "over", "than", "very", "not", "no"};
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return words.count(lower) > 0;
}

// Normalised text embeddings, counting every prompt encoded as a query.
class TextEncoder {
 public:
  TextEncoder(Model& model, std::int64_t batch) : model_(model), batch_(batch) {}
  at::Tensor encode(const std::vector<std::string>& texts) {
    std::vector<at::Tensor> parts;
    for (std::size_t start = 0; start < texts.size(); start += static_cast<std::size_t>(batch_)) {
      const std::size_t end = std::min(texts.size(), start + static_cast<std::size_t>(batch_));
      std::vector<std::string> chunk(texts.begin() + static_cast<std::ptrdiff_t>(start),
                                     texts.begin() + static_cast<std::ptrdiff_t>(end));
      parts.push_back(normalise(model_.encode_text(model_.tokenize(chunk)).to(at::kFloat)));
    }
    queries += static_cast<std::int64_t>(texts.size());
    return at::cat(parts);
  }
  std::int64_t queries = 0;

 private:
  Model& model_;
  std::int64_t batch_;
};

// Mean cross-entropy of the images for each candidate head, where candidate m replaces column `c` of
// the logits with column m of `columns` [N,M]. Returns [M].
at::Tensor candidate_losses(const at::Tensor& logits, const at::Tensor& columns, std::int64_t c,
                            const at::Tensor& labels) {
  const std::int64_t n = logits.size(0), classes = logits.size(1), m = columns.size(1);
  const std::int64_t chunk =
      std::max<std::int64_t>(1, (std::int64_t{1} << 24) / std::max<std::int64_t>(1, n * classes));
  std::vector<at::Tensor> parts;
  for (std::int64_t start = 0; start < m; start += chunk) {
    const std::int64_t size = std::min(chunk, m - start);
    at::Tensor l = logits.unsqueeze(0).repeat({size, 1, 1});
    l.select(2, c).copy_(columns.narrow(1, start, size).t());
    at::Tensor true_logit = l.gather(2, labels.view({1, n, 1}).expand({size, n, 1})).squeeze(2);
    parts.push_back((l.logsumexp(2) - true_logit).mean(1));
  }
  return at::cat(parts);
}

double mean_loss(const at::Tensor& logits, const at::Tensor& labels) {
  return (logits.logsumexp(1) - logits.gather(1, labels.view({-1, 1})).squeeze(1)).mean().item<double>();
}

}  // namespace

PromptAttackResult search_prompts(Classifier& target, const PromptSet& prompts, const AttackBatch& batch,
                                  const PromptSearchOptions& o, const Substitutes& substitutes,
                                  const PluginContext& context, const std::string& name) {
  c10::NoGradGuard no_grad;
  Model& model = target.model();
  const std::vector<std::vector<std::string>> original = class_prompts(prompts);
  const auto classes = static_cast<std::int64_t>(original.size());
  const auto templates = static_cast<std::int64_t>(prompts.templates.size());
  if (classes == 0 || templates == 0) throw Error(name + ": no class prompts to attack");
  if (classes != target.num_classes())
    throw Error(name + ": " + std::to_string(classes) + " class names, but the classifier has " +
                std::to_string(target.num_classes()) + " classes");

  PromptAttackResult out;
  out.prompts = original;
  TextEncoder encoder(model, o.text_batch);
  std::vector<at::Tensor> reference, embedding;  // per class [T,D]: original and current prompts
  for (const auto& texts : original) {
    reference.push_back(encoder.encode(texts));
    embedding.push_back(reference.back().clone());
  }
  std::vector<at::Tensor> row_sums;
  for (const at::Tensor& e : embedding) row_sums.push_back(e.sum(0));
  at::Tensor sums = at::stack(row_sums);  // [C,D]: the unnormalised class means
  const double scale = model.logit_scale();

  at::Tensor images, labels, logits;
  double loss = 0;
  if (o.objective == PromptObjective::loss) {
    if (!batch.images.defined() || batch.images.size(0) == 0)
      throw Error(name + ": objective=loss needs attack images (the host passes none)");
    std::vector<at::Tensor> parts;
    for (std::int64_t start = 0; start < batch.images.size(0); start += 256)
      parts.push_back(
          model.encode_image(batch.images.narrow(0, start, std::min<std::int64_t>(256, batch.images.size(0) - start))));
    images = normalise(at::cat(parts).to(at::kFloat));
    out.queries += images.size(0);
    labels = batch.labels.to(at::kLong).to(images.device());
    logits = scale * images.matmul(normalise(sums).to(images.device()).t());
    loss = mean_loss(logits, labels);
  }

  for (std::int64_t c = 0; c < classes; ++c) {
    const std::string& class_name = prompts.class_names[static_cast<std::size_t>(c)];
    for (std::int64_t j = 0; j < templates; ++j) {
      if (context.cancelled()) throw Error(name + ": cancelled");
      std::string& text = out.prompts[static_cast<std::size_t>(c)][static_cast<std::size_t>(j)];
      const std::string& before = original[static_cast<std::size_t>(c)][static_cast<std::size_t>(j)];
      for (int round = 0; round < o.max_words; ++round) {
        const std::vector<WordSpan> words = split_words(text);
        std::vector<std::string> candidates;
        for (std::size_t i = 0; i < words.size(); ++i) {
          const std::string word = text.substr(words[i].begin, words[i].size);
          if (o.skip_stopwords && stopword(word)) continue;
          const std::uint64_t stream = ((static_cast<std::uint64_t>(c * templates + j) << 16) + i) * 64 + round;
          int used = 0;
          for (const std::string& s : substitutes(word, sample_stream(context.seed, stream))) {
            if (used == o.max_substitutes) break;
            if (s == word || s.empty()) continue;
            std::string candidate = replace_word(text, words, i, s);
            if (words_changed(before, candidate) > static_cast<std::size_t>(o.max_words)) continue;
            if (o.keep_class_name && candidate.find(class_name) == std::string::npos) continue;
            candidates.push_back(std::move(candidate));
            ++used;
          }
        }
        if (candidates.empty()) break;
        at::Tensor e = encoder.encode(candidates);  // [M,D]
        at::Tensor current = embedding[static_cast<std::size_t>(c)][j];
        at::Tensor score, columns;
        double now = 0;
        if (o.objective == PromptObjective::embedding) {
          const at::Tensor ref = reference[static_cast<std::size_t>(c)][j];
          score = 1 - e.matmul(ref);
          now = 1 - current.dot(ref).item<double>();
        } else {
          at::Tensor heads = normalise(sums[c].unsqueeze(0) - current.unsqueeze(0) + e);  // [M,D]
          columns = scale * images.matmul(heads.to(images.device()).t());                 // [N,M]
          score = candidate_losses(logits, columns, c, labels);
          now = loss;
        }
        const std::int64_t best = score.argmax().item<std::int64_t>();
        const double best_score = score[best].item<double>();
        if (!(best_score > now + 1e-9)) break;  // no edit helps: this prompt is done
        text = candidates[static_cast<std::size_t>(best)];
        sums[c] += e[best] - current;
        embedding[static_cast<std::size_t>(c)][j].copy_(e[best]);
        if (o.objective == PromptObjective::loss) {
          logits.select(1, c).copy_(columns.select(1, best));
          loss = best_score;
        }
      }
      context.report_progress(name, c * templates + j + 1, classes * templates);
    }
  }
  out.queries += encoder.queries;
  return out;
}

AttackResult PromptSearchAttack::perturb_(Classifier&, const AttackBatch&) {
  throw Error(name_ + " attacks the class prompts, not the images (use multimodal for both)");
}

PromptAttackResult PromptSearchAttack::perturb_prompts_(Classifier& target, const PromptSet& prompts,
                                                        const AttackBatch& batch) {
  return search_prompts(
      target, prompts, batch, options_,
      [this](const std::string& word, std::uint64_t seed) { return substitutes(word, seed); }, context_, name_);
}

}  // namespace roz::attacks
