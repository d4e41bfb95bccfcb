#include "roz/core/address_space.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <spdlog/spdlog.h>

namespace roz::core {

namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
// How the hint opens; how a message already carrying it is recognised.
constexpr std::string_view kHintOpening = " (the address-space limit, ulimit -v, is ";

// The soft RLIMIT_AS (ulimit -v) in bytes; 0 when there is none.
std::uint64_t address_space_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  return limit.rlim_cur;
}

// Address space this process has mapped now (/proc/self/statm's first field, in pages).
std::uint64_t mapped_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

void warn_if_address_space_is_short() {
  const std::uint64_t limit = address_space_limit(), mapped = mapped_bytes();
  spdlog::debug("address space: {} MiB mapped on start, limit {}", mapped / kMiB,
                limit == 0 ? std::string("none") : std::to_string(limit / kMiB) + " MiB");
  // LibTorch's CUDA libraries are mapped before main; what a run needs beyond them is well over 1 GiB
  // (model, batches, decoder and BLAS threads' stacks and buffers).
  if (limit != 0 && limit < mapped + 1024 * kMiB)
    spdlog::warn(
        "the address-space limit (ulimit -v) is {} MiB and roz has mapped {} MiB of it on start, most of it "
        "LibTorch's libraries: allocations will fail; raise it, or limit memory with a cgroup instead "
        "(systemd-run --scope -p MemoryMax=..., docker run --memory ...)",
        limit / kMiB, mapped / kMiB);
}

bool has_out_of_memory_hint(std::string_view text) {
  return text.find(kHintOpening) != std::string_view::npos;
}

std::string out_of_memory_hint() {
  const std::uint64_t limit = address_space_limit();
  if (limit == 0) return "";
  return std::string(kHintOpening) + std::to_string(limit / kMiB) + " MiB, of which roz maps " +
         std::to_string(mapped_bytes() / kMiB) +
         " MiB now, most of it LibTorch's libraries; raise it, or limit memory with a cgroup instead)";
}

}  // namespace roz::core
