#include "store/sqlite_statement.hpp"

#include "roz/error.hpp"

namespace roz::core {

void exec_sql(const StoreDatabase& db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db.handle, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errmsg(db.handle);
    sqlite3_free(error);
    throw DataError("results store '" + db.file.string() + "': " + message +
                    (message.find("not a database") != std::string::npos ? " (not a RoZ results store?)" : ""));
  }
}

Statement::Statement(const StoreDatabase& db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) fail("step");
  return false;
}

std::string Statement::text(int i) const {
  const auto* t = sqlite3_column_text(stmt_, i);
  return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, i));
}

std::vector<unsigned char> Statement::bytes(int i) const {
  const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, i));
  return data == nullptr ? std::vector<unsigned char>()
                         : std::vector<unsigned char>(data, data + sqlite3_column_bytes(stmt_, i));
}

std::vector<float> Statement::floats(int i) const {
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i));
  std::vector<float> out(size / sizeof(float));
  if (size > 0) std::memcpy(out.data(), sqlite3_column_blob(stmt_, i), out.size() * sizeof(float));
  return out;
}

void Statement::fail(const char* what) const {
  throw DataError("results store '" + db_.file.string() + "': " + what + " failed: " + sqlite3_errmsg(db_.handle));
}

}  // namespace roz::core
