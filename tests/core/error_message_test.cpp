// error_message: the line roz prints for an error. Under ulimit -v an out-of-memory error carries
// the limit, once, however often it is wrapped on its way out (guard_call wraps plugin errors,
// the commands wrap those again).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <new>
#include <stdexcept>
#include <string>

#include "roz/core/guard.hpp"

namespace roz::core {
namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) ++n;
  return n;
}

// A soft address-space limit for the test's duration, far above what the process uses.
class AddressSpaceLimit {
 public:
  explicit AddressSpaceLimit(rlim_t bytes) {
    getrlimit(RLIMIT_AS, &saved_);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_AS, &limit) == 0;
  }
  ~AddressSpaceLimit() { setrlimit(RLIMIT_AS, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

const std::string kHint = "(the address-space limit, ulimit -v, is 1048576 MiB";

TEST(ErrorMessage, AnOutOfMemoryErrorNamesTheLimitOnceHoweverOftenWrapped) {
  const AddressSpaceLimit limit(rlim_t{1} << 40);  // 1 TiB
  ASSERT_TRUE(limit.ok());
  const std::string bad_alloc = error_message(std::bad_alloc());
  EXPECT_EQ(count(bad_alloc, kHint), 1u) << bad_alloc;
  const std::string torch = error_message(std::runtime_error("DefaultCPUAllocator: can't allocate memory"));
  EXPECT_EQ(count(torch, kHint), 1u) << torch;
  // LibTorch's message wrapped by guard_call, then by the command: still "allocate", one hint.
  const std::string wrapped = error_message(std::runtime_error("mini_clip: logits failed: " + torch));
  EXPECT_EQ(count(wrapped, kHint), 1u) << wrapped;
  EXPECT_EQ(wrapped.rfind("mini_clip: logits failed: DefaultCPUAllocator", 0), 0u) << wrapped;
}

TEST(ErrorMessage, OtherErrorsAndNoLimitAddNothing) {
  EXPECT_EQ(error_message(std::runtime_error("labels file 'x': no such file")), "labels file 'x': no such file");
  rlimit current{};
  getrlimit(RLIMIT_AS, &current);
  if (current.rlim_cur == RLIM_INFINITY)
    EXPECT_EQ(count(error_message(std::bad_alloc()), "ulimit -v"), 0u);
  else
    EXPECT_EQ(count(error_message(std::bad_alloc()), "ulimit -v"), 1u);
}

}  // namespace
}  // namespace roz::core
