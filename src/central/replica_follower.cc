#include "central/replica_follower.h"

#include "central/central_db.h"
#include "common/log.h"
#include "common/postgres.h"

namespace isthmus::central {

namespace {
constexpr int kPollMs = 1000;  // the fallback when a notification is missed
}

Status ReplicaFollower::Start() {
  if (!service_.replicated()) return Status::Ok();
  auto conn = PostgresConnection::Open(service_.db_location());
  if (!conn.ok()) return conn.status();
  ISTHMUS_RETURN_IF_ERROR((*conn)->Listen(kChangesChannel));
  thread_ = std::thread([this, c = std::shared_ptr<PostgresConnection>(std::move(*conn))] {
    while (!stop_) {
      auto woken = c->WaitForNotification(kPollMs);
      if (!woken.ok()) LOG_WARN("listening for other replicas' commits: " << woken.status().message());
      if (stop_) break;
      if (Status st = service_.CatchUp(); !st.ok()) LOG_WARN("catching up with other replicas: " << st.message());
      pusher_.Refresh();  // a cloud made through another replica gets its pusher here too
    }
  });
  return Status::Ok();
}

void ReplicaFollower::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace isthmus::central
