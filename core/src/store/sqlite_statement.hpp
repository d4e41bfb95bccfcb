// The SQLite pieces every table of the results store is written with: a prepared statement, one
// write transaction, another store attached for a merge. Each error names the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "roz/core/store_database.hpp"

namespace roz::core {

// Runs `sql` (no results).
void exec_sql(const StoreDatabase& db, const std::string& sql);

// A prepared statement, finalised on scope exit.
class Statement {
 public:
  Statement(const StoreDatabase& db, const std::string& sql);
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Statement& bind(int i, double v) { return check(sqlite3_bind_double(stmt_, i, v)); }
  Statement& bind(int i, const std::string& v) {
    return check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Statement& bind(int i, const std::optional<double>& v) { return v ? bind(i, *v) : bind_null(i); }
  Statement& bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
  Statement& bind_floats(int i, const std::vector<float>& v) {
    if (v.empty()) return bind_null(i);
    return check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size() * sizeof(float)), SQLITE_TRANSIENT));
  }
  Statement& bind_bytes(int i, const std::vector<unsigned char>& v) {
    if (v.empty()) return bind_null(i);
    return check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Statement& bind_null(int i) { return check(sqlite3_bind_null(stmt_, i)); }

  // True while rows come; false when done.
  bool step();
  // Steps once and resets, for a statement run again with new bindings.
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }
  double real(int i) const { return sqlite3_column_double(stmt_, i); }
  bool null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::optional<double> optional_real(int i) const { return null(i) ? std::nullopt : std::optional(real(i)); }
  std::optional<std::int64_t> optional_integer(int i) const {
    return null(i) ? std::nullopt : std::optional(integer(i));
  }
  std::string text(int i) const;
  std::vector<unsigned char> bytes(int i) const;
  std::vector<float> floats(int i) const;

 private:
  Statement& check(int rc) {
    if (rc != SQLITE_OK) fail("bind");
    return *this;
  }
  [[noreturn]] void fail(const char* what) const;

  const StoreDatabase& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// One write transaction: BEGIN IMMEDIATE when made, ROLLBACK when it goes unless commit() ran, so
// an exception anywhere in between leaves the store as it was (and the rollback cannot hide it).
// Declare it before the statements it covers; one per connection at a time.
class Transaction {
 public:
  explicit Transaction(const StoreDatabase& db) : db_(db) { exec_sql(db_, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!committed_) sqlite3_exec(db_.handle, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    exec_sql(db_, "COMMIT");
    committed_ = true;
  }

 private:
  const StoreDatabase& db_;
  bool committed_ = false;
};

// Another store attached as schema `source` for the guard's lifetime (detached outside any
// transaction: make the guard before the Transaction).
class AttachedSource {
 public:
  AttachedSource(const StoreDatabase& db, const std::filesystem::path& other) : db_(db) {
    Statement attach(db, "ATTACH DATABASE ? AS source");
    attach.bind(1, other.string()).run();
  }
  ~AttachedSource() { sqlite3_exec(db_.handle, "DETACH DATABASE source", nullptr, nullptr, nullptr); }
  AttachedSource(const AttachedSource&) = delete;
  AttachedSource& operator=(const AttachedSource&) = delete;

 private:
  const StoreDatabase& db_;
};

}  // namespace roz::core
