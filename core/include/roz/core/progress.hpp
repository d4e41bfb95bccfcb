// Progress of a long stage (one grid cell of `roz run`): a live bar with images/s and ETA on a
// terminal, plain log lines every few seconds otherwise (logs, Slurm output files).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace roz::core {

class Progress {
 public:
  // `unit` names what is counted (plural), `rate_unit` its rate, e.g. "vectors" and "vec/s".
  explicit Progress(bool live, std::string unit = "images", std::string rate_unit = "img/s")
      : live_(live), unit_(std::move(unit)), rate_unit_(std::move(rate_unit)) {}
  // `done` already finished before this process (a resumed stage).
  void start(std::string stage, std::size_t total, std::size_t done);
  void update(std::size_t done);
  void finish();

 private:
  void print(bool final);

  bool live_;
  std::string unit_, rate_unit_;
  std::string stage_;
  std::size_t total_ = 0, done_ = 0, first_ = 0;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace roz::core
