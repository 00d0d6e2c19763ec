#include "central/push_lease.h"

#include "common/log.h"

namespace isthmus::central {

namespace {
constexpr int64_t kLeaseClass = 5543;  // the first key of every push lease (the second: the cloud's index)
}

bool PushLease::Hold() {
  if (!shared()) return true;
  if (!conn_) {
    auto c = sql::Connect(location_);
    if (!c.ok()) return false;
    conn_ = std::move(*c);
  }
  if (held_) {
    auto q = conn_->Prepare("SELECT 1");
    q->Step();
    if (q->status().ok()) return true;
    LOG_WARN("lost the push lease of cloud index " << index_ << ": " << q->status().message());
    held_ = false;  // the server released it with the connection
    conn_.reset();
    return false;
  }
  auto q = conn_->Prepare("SELECT pg_try_advisory_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))");
  q->Bind(1, kLeaseClass).Bind(2, int64_t{index_});
  held_ = q->Step() && q->Text(0) == "t";
  while (q->Step()) {
  }
  if (!q->status().ok()) {
    held_ = false;
    conn_.reset();
  }
  return held_;
}

}  // namespace isthmus::central
