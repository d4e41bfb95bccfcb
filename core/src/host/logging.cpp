#include "roz/core/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace roz::core {

namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return spdlog::level::trace;
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

class SpdLogger final : public Logger {
 public:
  bool enabled(LogLevel level) const override { return spdlog::default_logger_raw()->should_log(to_spdlog(level)); }
  void log(LogLevel level, std::string_view message) override { spdlog::default_logger_raw()->log(to_spdlog(level), message); }
};

class LogProgress final : public ProgressSink {
 public:
  void update(std::string_view task, std::int64_t done, std::int64_t total) override {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    auto& last = last_[std::string(task)];
    if (done < total && now - last < std::chrono::seconds(5)) return;
    last = now;
    spdlog::debug("{}: {}/{}", task, done, total);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_;
};

}  // namespace

void init_logging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("roz");
  logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
  spdlog::level::level_enum level = spdlog::level::info;
  if (verbosity >= 2) level = spdlog::level::trace;
  else if (verbosity == 1) level = spdlog::level::debug;
  else if (verbosity == -1) level = spdlog::level::warn;
  else if (verbosity <= -2) level = spdlog::level::err;
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

ProgressSink& host_progress() {
  static LogProgress progress;
  return progress;
}

Logger& host_logger() {
  static SpdLogger logger;
  return logger;
}

}  // namespace roz::core
