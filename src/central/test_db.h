// Where a central unit test keeps its store: a fresh temp SQLite file, or, when
// ISTHMUS_TEST_POSTGRES is set (a libpq URL to a server where the user may
// CREATE DATABASE), a fresh PostgreSQL database on that server. The same tests
// thus run on both backends (scripts/postgres-test). Removed (dropped) when the
// TestDb goes; Reset() makes it fresh again.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <string>

#include "common/sql.h"

namespace isthmus::central {

class TestDb {
 public:
  explicit TestDb(const std::string& tag) {
    static std::atomic<int> counter{0};
    std::string safe;
    for (char ch : tag)
      if (std::isalnum(static_cast<unsigned char>(ch))) safe += static_cast<char>(std::tolower(ch));
    name_ = "isthmus_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + safe.substr(0, 20);
    const char* admin = std::getenv("ISTHMUS_TEST_POSTGRES");
    if (admin && *admin) {
      admin_ = admin;
      location_ = WithDatabase(admin_, name_);
    } else {
      location_ = "/tmp/" + name_ + ".db";
    }
    Create();
  }
  ~TestDb() { Drop(); }
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  // A SQLite path or a libpq URL: what Service::Create and CentralDb::Open take.
  const std::string& location() const { return location_; }
  bool postgres() const { return !admin_.empty(); }
  void Reset() {
    Drop();
    Create();
  }

 private:
  // The URL with its database (the path after host[:port]) replaced by db.
  static std::string WithDatabase(const std::string& url, const std::string& db) {
    size_t scheme = url.find("://");
    size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    size_t query = url.find('?', scheme == std::string::npos ? 0 : scheme + 3);
    std::string tail = query == std::string::npos ? "" : url.substr(query);
    std::string head = url.substr(0, std::min(path, query));
    return head + "/" + db + tail;
  }
  void AdminExec(const std::string& statement) {
    auto c = sql::Connect(admin_);
    if (!c.ok()) {
      ADD_FAILURE() << "ISTHMUS_TEST_POSTGRES: " << c.status().ToString();
      return;
    }
    Status st = (*c)->Exec(statement);
    if (!st.ok()) ADD_FAILURE() << statement << ": " << st.ToString();
  }
  void Create() {
    if (postgres()) AdminExec("CREATE DATABASE " + name_);
  }
  void Drop() {
    if (postgres()) {
      AdminExec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } else {
      for (const char* suffix : {"", "-wal", "-shm"}) unlink((location_ + suffix).c_str());
    }
  }

  std::string name_, admin_, location_;
};

}  // namespace isthmus::central
