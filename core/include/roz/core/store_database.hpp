// The open SQLite connection of a results store, shared by its tables (condition_store.hpp,
// record_store.hpp, summary_store.hpp, audit_store.hpp). Owned by its ResultsStore; not thread-safe.
#pragma once

#include <filesystem>

struct sqlite3;

namespace roz::core {

struct StoreDatabase {
  sqlite3* handle = nullptr;
  std::filesystem::path file;  // every error names it
};

}  // namespace roz::core
