// What the host hands a plugin: logging, seed, threads, cancellation, and a way to build the
// plugins a nested spec names. Plugins never link against the host; they get all of it from here.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

struct Spec;
class Model;
class Attack;
class Corruption;
class Classifier;
struct PromptSet;

enum class LogLevel { trace, debug, info, warn, error };

// A sink for plugin messages (two methods, like a spdlog sink).
class Logger {
 public:
  virtual ~Logger();
  virtual bool enabled(LogLevel level) const = 0;
  virtual void log(LogLevel level, std::string_view message) = 0;
};

// Progress of long plugin work (an attack's iterations, a model's loading), shown by the host.
class ProgressSink {
 public:
  virtual ~ProgressSink();
  virtual void update(std::string_view task, std::int64_t done, std::int64_t total) = 0;
};

class CancellationToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

// Services of the host that plugins with nested specs need (compose, transfer, ...). Objects it
// returns keep their own library loaded for as long as they live.
class Host {
 public:
  virtual ~Host();
  virtual std::shared_ptr<Model> create_model(const Spec& spec) = 0;
  virtual std::shared_ptr<Attack> create_attack(const Spec& spec) = 0;
  virtual std::shared_ptr<Corruption> create_corruption(const Spec& spec) = 0;
  // A classifier over `model` for the given class prompts' classes: a zero-shot head (the prompt
  // ensemble) for a dual encoder, the model's own logits of those classes for an image classifier.
  virtual std::shared_ptr<Classifier> create_classifier(std::shared_ptr<Model> model,
                                                        const PromptSet& prompts) = 0;
};

struct PluginContext {
  Logger* logger = nullptr;  // never null when the host creates a plugin
  Host* host = nullptr;
  std::uint64_t seed = 0;  // the plugin's own seed, derived from the run seed and its spec
  int threads = 1;
  std::string device = "cpu";
  const CancellationToken* cancel = nullptr;
  ProgressSink* progress = nullptr;

  void log(LogLevel level, std::string_view message) const {
    if (logger != nullptr && logger->enabled(level)) logger->log(level, message);
  }
  bool cancelled() const { return cancel != nullptr && cancel->cancelled(); }
  void report_progress(std::string_view task, std::int64_t done, std::int64_t total) const {
    if (progress != nullptr) progress->update(task, done, total);
  }
};

}  // namespace roz

#pragma GCC visibility pop
