// On-disk cache of prompt-ensemble heads: text towers are slow (80 templates x 1000 classes for
// ImageNet), and a head depends only on the model's weights, its tokenizer and the prompts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "roz/core/precision.hpp"
#include "roz/core/zero_shot_head.hpp"

namespace roz::core {

struct ResolvedPlugin;

// The model_key of a model plugin's heads: plugin name, version, weights hash and, unless fp32, the
// precision of the text tower's forward passes (a bf16 head is not an fp32 one).
std::string head_cache_key(const ResolvedPlugin& model, const std::string& content_hash, Precision precision);

class HeadCache {
 public:
  // An empty directory disables caching.
  explicit HeadCache(std::filesystem::path directory);

  // The default directory: $ROZ_CACHE_DIR, else $XDG_CACHE_HOME/roz, else ~/.cache/roz.
  static std::filesystem::path default_directory();

  // From the cache when present (logged), else computed and stored. `model_key` identifies the
  // weights and the tokenizer (content hash, plugin name and version).
  ZeroShotHead prompt_head(Model& model, const std::string& model_key, const PromptSet& prompts,
                           std::int64_t batch_size) const;

  // The file a head would be stored in.
  std::filesystem::path path_for(const std::string& model_key, const PromptSet& prompts) const;

 private:
  std::optional<ZeroShotHead> load(const std::filesystem::path& file) const;
  void store(const std::filesystem::path& file, const ZeroShotHead& head) const;

  std::filesystem::path directory_;
};

}  // namespace roz::core
