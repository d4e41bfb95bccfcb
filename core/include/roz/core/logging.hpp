// The host's logging: spdlog to stderr (stdout stays clean for --json output), and the adapter
// that plugins see through roz::Logger.
#pragma once

#include <memory>

#include "roz/context.hpp"

namespace roz::core {

// verbosity: 0 = info, 1 = debug, 2+ = trace, -1 = warnings only, -2 = errors only.
void init_logging(int verbosity);

// The roz::Logger every plugin context gets; forwards to spdlog's default logger.
Logger& host_logger();

// The roz::ProgressSink plugins get: debug log lines, at most one per task every few seconds.
ProgressSink& host_progress();

}  // namespace roz::core
