#include "run/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "roz/error.hpp"

namespace roz::core {

StoreLock::StoreLock(const std::filesystem::path& database) {
  std::filesystem::path file = database;
  file += ".lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open the lock file '" + file.string() + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {0};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    if (error == EWOULDBLOCK)
      throw Error("'" + database.string() + "' is being written by another roz run" +
                  (n > 0 ? " (pid " + std::string(holder, static_cast<std::size_t>(n)) + ")" : std::string()) +
                  ": wait for it to end, or use another --out (lock file '" + file.string() + "')");
    throw Error("cannot lock '" + file.string() + "': " + std::strerror(error));
  }
  // The holder's pid, for a second run's message; failing to write it costs only that detail.
  const std::string pid = std::to_string(::getpid());
  [[maybe_unused]] const bool pid_written =
      ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
}

StoreLock::~StoreLock() {
  ::close(fd_);  // releases the lock
}

}  // namespace roz::core
