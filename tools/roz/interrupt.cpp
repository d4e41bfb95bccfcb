// Ctrl-C or SIGTERM asks the running command to stop between batches: the handler only sets a
// relaxed atomic flag (signal-safe); the work notices it, throws, and what is already stored stays
// stored.
#include <csignal>

#include "commands.hpp"

namespace roz::cli {

namespace {

CancellationToken* g_cancel = nullptr;
extern "C" void on_interrupt(int) {
  if (g_cancel != nullptr) g_cancel->cancel();
}

}  // namespace

InterruptGuard::InterruptGuard(CancellationToken& token) {
  g_cancel = &token;
  previous_interrupt_ = std::signal(SIGINT, on_interrupt);
  previous_terminate_ = std::signal(SIGTERM, on_interrupt);
}

InterruptGuard::~InterruptGuard() {
  std::signal(SIGINT, previous_interrupt_);
  std::signal(SIGTERM, previous_terminate_);
  g_cancel = nullptr;
}

}  // namespace roz::cli
