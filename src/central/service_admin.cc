// Service's admin side: jobs (the outbox rows, kept after acknowledgement),
// redo, resource routings and what holds a cloud. docs/architecture.md,
// "Central API" and "Central DB".
#include <algorithm>

#include "central/service.h"

namespace isthmus::central {

using nlohmann::json;

Status Service::StartJobs(const std::string& cloud, int64_t first, int64_t last) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->MarkRunning(cloud, first, last);
}

Status Service::FailJobs(const std::string& cloud, int64_t first, int64_t last, const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->MarkFailed(cloud, first, last, error);
}

Result<std::vector<Job>> Service::ListJobs(const JobFilter& filter) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->Jobs(filter);
}

Result<Job> Service::GetJob(int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->GetJob(seq);
}

std::vector<std::string> Service::TargetClouds(const std::string& kind, const std::string& id) const {
  if (kind == "cloud") return clouds_.count(id) ? AllClouds() : std::vector<std::string>();
  if (kind == "host") return hosts_.count(id) ? AllClouds() : std::vector<std::string>();
  if (kind == "network") {
    auto it = networks_.find(id);
    return it == networks_.end() ? std::vector<std::string>() : it->second.clouds;
  }
  if (kind == "subnet") {
    auto it = subnets_.find(id);
    return it == subnets_.end() ? std::vector<std::string>() : CloudsOfNetwork(it->second.network_id);
  }
  if (kind == "port") {
    auto it = ports_.find(id);
    return it == ports_.end() ? std::vector<std::string>() : CloudsOfNetwork(it->second.network_id);
  }
  if (kind == "router") {
    auto it = routers_.find(id);
    return it == routers_.end() ? std::vector<std::string>() : std::vector<std::string>{it->second.cloud};
  }
  if (kind == "floatingip") {
    auto it = floatingips_.find(id);
    return it == floatingips_.end() ? std::vector<std::string>() : std::vector<std::string>{it->second.cloud};
  }
  return {};
}

Result<Job> Service::RedoJob(int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto job = db_->GetJob(seq);
  if (!job.ok()) return job.status();
  const std::string cloud = job->event.cloud, kind = job->event.kind, id = job->event.id;
  if (!clouds_.count(cloud))
    return Conflict("Job " + std::to_string(seq) + " was for cloud " + cloud + ", which no longer exists");
  if (kind == "snapshot") {  // a fresh snapshot of the cloud, after everything queued for it
    auto last = db_->LastCloudSeq(cloud);
    if (!last.ok()) return last.status();
    auto snap = QueueSnapshotLocked(cloud, *last);
    if (!snap.ok()) return snap.status();
    auto newest = db_->LastSeq(cloud);
    if (!newest.ok()) return newest.status();
    return db_->GetJob(*newest);
  }
  json body = json::object();
  auto targets = TargetClouds(kind, id);
  bool upsert = std::find(targets.begin(), targets.end(), cloud) != targets.end();
  if (upsert) {
    if (kind == "cloud") body = clouds_.at(id).cloud;
    else if (kind == "host") body = hosts_.at(id);
    else if (kind == "network") body = networks_.at(id);
    else if (kind == "subnet") body = subnets_.at(id);
    else if (kind == "port") body = ports_.at(id);
    else if (kind == "router") body = routers_.at(id);
    else body = floatingips_.at(id);
  } else if (kind != "cloud" && kind != "host" && kind != "network" && kind != "subnet" && kind != "port" &&
             kind != "router" && kind != "floatingip") {
    return Internal("Job " + std::to_string(seq) + " has unknown kind " + kind);
  }
  Mutation m;
  Emit(m, kind, upsert ? "upsert" : "delete", id, body, {cloud});
  ISTHMUS_RETURN_IF_ERROR(Commit(m));
  // Commits happen under mu_: the cloud's newest event is the one just made.
  auto last = db_->LastSeq(cloud);
  if (!last.ok()) return last.status();
  return db_->GetJob(*last);
}

Result<std::vector<Service::Routing>> Service::ListRoutings(const std::string& cloud,
                                                            const std::string& resource_type,
                                                            const std::string& top_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto pending = db_->PendingResources();
  if (!pending.ok()) return pending.status();
  std::vector<Routing> out;
  auto add = [&](const std::string& kind, const auto& map) {
    if (!resource_type.empty() && resource_type != kind) return;
    for (const auto& [id, v] : map) {
      if (!top_id.empty() && top_id != id) continue;
      for (const auto& c : TargetClouds(kind, id)) {
        if (c.empty() || (!cloud.empty() && c != cloud)) continue;
        bool busy = pending->count({c, kind, id}) > 0;
        out.push_back({id, id, c, kind, busy ? "pending" : "synced"});
      }
    }
  };
  add("network", networks_);
  add("subnet", subnets_);
  add("port", ports_);
  add("router", routers_);
  add("floatingip", floatingips_);
  return out;
}

std::string Service::CloudHoldings(const std::string& name) const {
  std::vector<std::string> left;
  for (const auto& [id, n] : networks_)
    if (std::find(n.clouds.begin(), n.clouds.end(), name) != n.clouds.end()) left.push_back("network " + id);
  for (const auto& [id, r] : routers_)
    if (r.cloud == name) left.push_back("router " + id);
  for (const auto& [id, f] : floatingips_)
    if (f.cloud == name) left.push_back("floating IP " + id);
  for (const auto& [n, h] : hosts_)
    if (h.cloud == name) left.push_back("host " + n);
  std::string out;
  const size_t shown = std::min<size_t>(left.size(), 10);
  for (size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + left[i];
  if (left.size() > shown) out += " and " + std::to_string(left.size() - shown) + " more";
  return out;
}

}  // namespace isthmus::central
