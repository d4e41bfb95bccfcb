// One writer per results store: roz run holds an exclusive advisory lock (flock) on DB.lock beside
// the database while it writes, so a second run on the same --out (or shard) stops at once with a
// message naming the holder, instead of dying on a raw SQLite "UNIQUE constraint" or "database is
// locked". The kernel drops the lock when the holder exits, however it exits (a killed run resumes).
#pragma once

#include <filesystem>

namespace roz::core {

class StoreLock {
 public:
  // Throws Error naming the lock file (and the holder's pid) when another process holds it.
  explicit StoreLock(const std::filesystem::path& database);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace roz::core
