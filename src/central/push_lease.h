// Which replica of central pushes a cloud's events (docs/architecture.md,
// "Replicas"): a PostgreSQL session advisory lock per cloud, keyed by the
// cloud's index and held on a connection of its own while this replica pushes.
// The server drops it when that connection ends (the replica died), and
// another replica takes it on its next try. On SQLite (one central) it is
// always held. Not thread-safe: one per pusher thread.
#pragma once

#include <memory>
#include <string>

#include "common/sql.h"

namespace isthmus::central {

class PushLease {
 public:
  PushLease(std::string db_location, int cloud_index)
      : location_(std::move(db_location)), index_(cloud_index) {}
  // True while this replica holds the cloud's lease: takes it when free; when
  // held, checks that its connection (which holds it) is still up.
  bool Hold();
  bool shared() const { return sql::IsPostgresUrl(location_); }

 private:
  std::string location_;
  int index_;
  std::unique_ptr<sql::Connection> conn_;
  bool held_ = false;
};

}  // namespace isthmus::central
