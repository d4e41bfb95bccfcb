#include "roz/core/head_cache.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "roz/core/atomic_file.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/error.hpp"
#include "roz/hash.hpp"

namespace roz::core {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'R', 'O', 'Z', 'H', 'E', 'A', 'D', '1'};

struct Header {
  char magic[8];
  std::int64_t classes;
  std::int64_t dim;
  double logit_scale;
};

}  // namespace

std::string head_cache_key(const ResolvedPlugin& model, const std::string& content_hash, Precision precision) {
  std::string key = model.descriptor().name + "/" + model.descriptor().version + "/" + content_hash;
  if (precision != Precision::fp32) key += std::string("/") + to_string(precision);
  return key;
}

HeadCache::HeadCache(fs::path directory) : directory_(std::move(directory)) {}

fs::path HeadCache::default_directory() {
  if (const char* dir = std::getenv("ROZ_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "roz";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "roz";
  return fs::temp_directory_path() / "roz-cache";
}

fs::path HeadCache::path_for(const std::string& model_key, const PromptSet& prompts) const {
  // Lengths before every field, so no two different prompt sets serialise alike.
  std::string key = "roz-head-v1\n" + std::to_string(model_key.size()) + ":" + model_key;
  for (const auto* list : {&prompts.class_names, &prompts.templates}) {
    key += "\n" + std::to_string(list->size());
    for (const std::string& s : *list) key += "\n" + std::to_string(s.size()) + ":" + s;
  }
  return directory_ / "heads" / (sha256_hex(key) + ".head");
}

std::optional<ZeroShotHead> HeadCache::load(const fs::path& file) const {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  Header h{};
  in.read(reinterpret_cast<char*>(&h), sizeof h);
  if (!in || std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || h.classes <= 0 || h.dim <= 0 || h.classes > (1 << 24) ||
      h.dim > (1 << 16)) {
    spdlog::warn("head cache: ignoring unreadable entry {}", file.string());
    return std::nullopt;
  }
  at::Tensor w = at::empty({h.classes, h.dim}, at::kFloat);
  in.read(reinterpret_cast<char*>(w.data_ptr<float>()), static_cast<std::streamsize>(w.numel() * sizeof(float)));
  if (!in || in.peek() != std::char_traits<char>::eof()) {
    spdlog::warn("head cache: ignoring truncated entry {}", file.string());
    return std::nullopt;
  }
  return ZeroShotHead(w, h.logit_scale);
}

void HeadCache::store(const fs::path& file, const ZeroShotHead& head) const {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const at::Tensor w = head.class_embeddings().to(at::kCPU, at::kFloat).contiguous();
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.classes = w.size(0);
  h.dim = w.size(1);
  h.logit_scale = head.logit_scale();
  try {  // a reader never sees half an entry
    write_atomically(file, [&](const fs::path& tmp) {
      std::ofstream out(tmp, std::ios::binary);
      out.write(reinterpret_cast<const char*>(&h), sizeof h);
      out.write(reinterpret_cast<const char*>(w.data_ptr<float>()), static_cast<std::streamsize>(w.numel() * sizeof(float)));
      out.close();
      if (!out) throw Error("short write");
    });
  } catch (const Error& e) {
    spdlog::warn("head cache: cannot store {} (continuing without caching): {}", file.string(), e.what());
  }
}

ZeroShotHead HeadCache::prompt_head(Model& model, const std::string& model_key, const PromptSet& prompts,
                                    std::int64_t batch_size) const {
  if (directory_.empty()) return ZeroShotHead::from_prompts(model, prompts, batch_size);
  fs::path file = path_for(model_key, prompts);
  if (std::optional<ZeroShotHead> cached = load(file)) {
    spdlog::info("zero-shot head: cache hit {} ({} classes x {} templates)", file.string(), prompts.class_names.size(),
                 prompts.templates.size());
    return *cached;
  }
  ZeroShotHead head = ZeroShotHead::from_prompts(model, prompts, batch_size);
  store(file, head);
  spdlog::debug("zero-shot head: stored {}", file.string());
  return head;
}

}  // namespace roz::core
