// Seeds are derived from (run seed, condition, sample id), never from batch position or thread,
// so results do not depend on batch size, thread count or resuming.
#pragma once

#include <cstdint>
#include <string_view>

namespace roz {

// SplitMix64 finaliser: a bijective mix with good avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// FNV-1a 64, stable across platforms and compilers (std::hash is not).
constexpr std::uint64_t hash64(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return h;
}

constexpr std::uint64_t derive_seed(std::uint64_t run_seed, std::string_view condition,
                                    std::string_view sample_id) {
  return mix64(mix64(run_seed ^ hash64(condition)) ^ hash64(sample_id));
}

}  // namespace roz
