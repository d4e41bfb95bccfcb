#include "roz/core/progress.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

namespace roz::core {

namespace {

std::string duration(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, (s / 60) % 60);
  else
    std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  return text;
}

}  // namespace

void Progress::start(std::string stage, std::size_t total, std::size_t done) {
  stage_ = std::move(stage);
  total_ = total;
  done_ = first_ = done;
  start_ = last_print_ = std::chrono::steady_clock::now();
  if (!live_) spdlog::info("{}: {} {}", stage_, total_, unit_);
}

void Progress::update(std::size_t done) {
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_print_ < (live_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000))) return;
  last_print_ = now;
  print(false);
}

void Progress::finish() {
  print(true);
}

void Progress::print(bool final) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = static_cast<double>(done_ - first_) / std::max(elapsed, 1e-9);
  const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done_, total_)) / rate : 0;
  if (!live_) {
    spdlog::info("{}: {}/{} {}, {:.1f} {}, {} {}", stage_, done_, total_, unit_, rate, rate_unit_,
                 final ? "took" : "ETA", duration(final ? elapsed : eta));
    return;
  }
  const int width = 24;
  const int filled =
      total_ > 0 ? static_cast<int>(width * static_cast<double>(done_) / static_cast<double>(total_)) : width;
  std::string bar(static_cast<std::size_t>(std::clamp(filled, 0, width)), '#');
  bar.resize(width, '.');
  std::string label = stage_.size() > 60 ? stage_.substr(0, 57) + "..." : stage_;
  std::fprintf(stderr, "\r\033[K%s [%s] %zu/%zu %.0f %s %s %s", label.c_str(), bar.c_str(), done_, total_, rate,
               rate_unit_.c_str(), final ? "in" : "ETA", duration(final ? elapsed : eta).c_str());
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace roz::core
