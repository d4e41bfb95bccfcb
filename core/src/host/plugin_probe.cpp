#include "host/plugin_probe.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "roz/core/head_cache.hpp"
#include "roz/core/search_path.hpp"
#include "roz/hash.hpp"

extern char** environ;

namespace roz::core {

namespace fs = std::filesystem;

namespace {

// Loading a plugin links LibTorch (a second or two when the disk cache is cold); far beyond that,
// the library is taken to hang.
constexpr auto kProbeTimeout = std::chrono::seconds(120);

bool is_builtin(const fs::path& library) {
  std::error_code ec;
  const fs::path own = fs::weakly_canonical(builtin_plugin_dir(), ec);
  return !ec && fs::weakly_canonical(library, ec).parent_path() == own;
}

// Where a clean verdict for this exact file (path, size, modification time) is kept.
fs::path verdict_file(const fs::path& library) {
  std::error_code ec;
  const std::string key = "roz-plugin-probe-v1\n" + fs::weakly_canonical(library, ec).string() + "\n" +
                          std::to_string(fs::file_size(library, ec)) + "\n" +
                          std::to_string(fs::last_write_time(library, ec).time_since_epoch().count());
  return HeadCache::default_directory() / "plugin-probes" / (sha256_hex(key) + ".ok");
}

// The probe's wait status, or nothing when it ran past kProbeTimeout (then it is killed).
std::optional<int> run_probe(const fs::path& probe, const fs::path& library) {
  const std::string probe_path = probe.string(), library_path = library.string();
  char* argv[] = {const_cast<char*>(probe_path.c_str()), const_cast<char*>(library_path.c_str()), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, probe_path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return 0;  // cannot probe: load as before
  const auto deadline = std::chrono::steady_clock::now() + kProbeTimeout;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0) return 0;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::optional<std::string> probe_plugin_library(const fs::path& library) {
  const fs::path probe = executable_dir() / "roz-plugin-probe";
  std::error_code ec;
  if (is_builtin(library) || !fs::exists(probe, ec)) return std::nullopt;
  const fs::path verdict = verdict_file(library);
  if (fs::exists(verdict, ec)) return std::nullopt;

  const std::optional<int> status = run_probe(probe, library);
  if (!status) return "hung while loading (no answer from its entry within " +
                      std::to_string(kProbeTimeout.count()) + " s, probed in a child process)";
  if (WIFSIGNALED(*status))
    return "crashed while loading (" + std::string(strsignal(WTERMSIG(*status))) + ", signal " +
           std::to_string(WTERMSIG(*status)) + ", probed in a child process)";
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) {  // only a clean load is remembered
    fs::create_directories(verdict.parent_path(), ec);
    std::ofstream(verdict) << library.string() << "\n";
  }
  return std::nullopt;  // loads, or fails in a way the host's own load names
}

}  // namespace roz::core
