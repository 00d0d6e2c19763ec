#include "cloud/cloud_db.h"

#include <algorithm>
#include <functional>
#include <set>

#include "common/crypto.h"

namespace isthmus::cloud {

namespace {
const std::set<std::string> kKinds = {"cloud", "host", "network", "subnet", "port", "router", "floatingip",
                                      "securitygroup", "securitygrouprule", "groupmember"};
}

namespace {
// {"seq", "kind": "snapshot", "op": "replace", "id", "body": {"resources": {kind: {id: object}}}}.
Status ParseSnapshot(const nlohmann::json& e, Event& ev) {
  const std::string what = "event " + std::to_string(ev.seq) + " (snapshot)";
  if (ev.op != "replace") return InvalidArgument(what + ": op must be replace");
  if (!e.contains("body") || !e["body"].is_object() || !e["body"].contains("resources") ||
      !e["body"]["resources"].is_object())
    return InvalidArgument(what + ": body must be {\"resources\": {kind: {id: body}}}");
  for (const auto& [kind, items] : e["body"]["resources"].items()) {
    if (!kKinds.count(kind)) return InvalidArgument(what + ": unknown kind '" + kind + "'");
    if (!items.is_object()) return InvalidArgument(what + ": resources." + kind + " must be an object");
    for (const auto& [id, b] : items.items())
      if (id.empty() || !b.is_object())
        return InvalidArgument(what + ": resources." + kind + " needs non-empty ids and object bodies");
  }
  ev.body = e["body"];
  return Status::Ok();
}
}  // namespace

Status CheckSequence(const std::vector<Event>& events, int64_t applied) {
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].seq != events[i - 1].seq + 1)
      return InvalidArgument("seqs in a batch must be contiguous: event " + std::to_string(events[i].seq) +
                             " follows " + std::to_string(events[i - 1].seq));
    if (events[i].kind == "snapshot") return InvalidArgument("a snapshot must be the first event of its batch");
  }
  if (events.empty() || events[0].kind == "snapshot" || events[0].seq <= applied + 1) return Status::Ok();
  return Conflict("events start at seq " + std::to_string(events[0].seq) + " but this cloud has applied up to seq " +
                  std::to_string(applied) + ": seqs " + std::to_string(applied + 1) + ".." +
                  std::to_string(events[0].seq - 1) + " are missing; nothing was applied");
}

Result<std::vector<Event>> ParseEvents(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("events") || !body["events"].is_array())
    return InvalidArgument("expected {\"events\": [...]}");
  std::vector<Event> events;
  int64_t last = 0;
  for (const auto& e : body["events"]) {
    if (!e.is_object()) return InvalidArgument("an event must be an object");
    Event ev;
    if (!e.contains("seq") || !e["seq"].is_number_integer() || e["seq"].get<int64_t>() <= 0)
      return InvalidArgument("event without a positive integer seq");
    ev.seq = e["seq"];
    if (ev.seq <= last) return InvalidArgument("events must come in increasing seq order");
    last = ev.seq;
    for (const char* key : {"kind", "op", "id"})
      if (e.contains(key) && !e[key].is_string())
        return InvalidArgument("event " + std::to_string(ev.seq) + ": " + key + " must be a string");
    ev.kind = e.value("kind", "");
    ev.op = e.value("op", "");
    ev.id = e.value("id", "");
    if (ev.kind == "snapshot") {
      ISTHMUS_RETURN_IF_ERROR(ParseSnapshot(e, ev));
      events.push_back(std::move(ev));
      continue;
    }
    if (!kKinds.count(ev.kind)) return InvalidArgument("event " + std::to_string(ev.seq) + ": unknown kind '" + ev.kind + "'");
    if (ev.op != "upsert" && ev.op != "delete")
      return InvalidArgument("event " + std::to_string(ev.seq) + ": op must be upsert or delete");
    if (ev.id.empty()) return InvalidArgument("event " + std::to_string(ev.seq) + ": no id");
    ev.body = e.contains("body") ? e["body"] : nlohmann::json::object();
    if (ev.op == "upsert" && !ev.body.is_object())
      return InvalidArgument("event " + std::to_string(ev.seq) + ": upsert without an object body");
    events.push_back(std::move(ev));
  }
  return events;
}

Result<std::unique_ptr<CloudDb>> CloudDb::Open(const std::string& path) {
  auto db = Db::Open(path);
  if (!db.ok()) return db.status();
  ISTHMUS_RETURN_IF_ERROR((*db)->Exec(R"(
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
                                          PRIMARY KEY (kind, id));
    CREATE TABLE IF NOT EXISTS hosts (name TEXT PRIMARY KEY, role TEXT NOT NULL,
                                      vtep_ip TEXT NOT NULL, dvr_mac TEXT NOT NULL UNIQUE);
    CREATE TABLE IF NOT EXISTS host_reports (name TEXT PRIMARY KEY);
    CREATE TABLE IF NOT EXISTS local_vlans (host TEXT NOT NULL, network_id TEXT NOT NULL,
                                            lvid INTEGER NOT NULL, PRIMARY KEY (host, network_id),
                                            UNIQUE (host, lvid));
    CREATE TABLE IF NOT EXISTS host_states (host TEXT PRIMARY KEY, revision INTEGER NOT NULL,
                                            body TEXT NOT NULL);
  )"));
  return std::unique_ptr<CloudDb>(new CloudDb(std::move(*db)));
}

int64_t CloudDb::MetaInt(const std::string& key) {
  auto q = db_->Prepare("SELECT value FROM meta WHERE key = ?");
  q->Bind(1, key);
  return q->Step() ? q->Int(0) : 0;
}

int64_t CloudDb::AppliedSeq() { return MetaInt("applied_seq"); }
int64_t CloudDb::RevisionCounter() { return MetaInt("revision"); }

Status CloudDb::ReplaceResources(const nlohmann::json& resources) {
  ISTHMUS_RETURN_IF_ERROR(db_->Exec("DELETE FROM resources"));
  for (const auto& [kind, items] : resources.items())
    for (const auto& [id, body] : items.items()) {
      auto q = db_->Prepare("INSERT INTO resources (kind, id, body) VALUES (?, ?, ?)");
      q->Bind(1, kind).Bind(2, id).Bind(3, body.dump());
      q->Step();
      ISTHMUS_RETURN_IF_ERROR(q->status());
    }
  return Status::Ok();
}

Result<int64_t> CloudDb::ApplyEvents(const std::vector<Event>& events, bool flush) {
  int64_t applied = AppliedSeq();
  ISTHMUS_RETURN_IF_ERROR(CheckSequence(events, applied));
  if (std::none_of(events.begin(), events.end(), [&](const Event& e) { return e.seq > applied; })) return applied;
  auto write = [&](const std::function<Status()>& fn) { return flush ? Write(fn) : db_->UnflushedTransaction(fn); };
  Status st = write([&]() -> Status {
    for (const auto& e : events) {
      if (e.seq <= applied) continue;
      if (e.kind == "snapshot") {
        ISTHMUS_RETURN_IF_ERROR(ReplaceResources(e.body["resources"]));
        applied = e.seq;
        continue;
      }
      auto q = e.op == "upsert"
                   ? db_->Prepare("INSERT OR REPLACE INTO resources (kind, id, body) VALUES (?, ?, ?)")
                   : db_->Prepare("DELETE FROM resources WHERE kind = ? AND id = ?");
      q->Bind(1, e.kind).Bind(2, e.id);
      if (e.op == "upsert") q->Bind(3, e.body.dump());
      q->Step();
      ISTHMUS_RETURN_IF_ERROR(q->status());
      applied = e.seq;
    }
    auto m = db_->Prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('applied_seq', ?)");
    m->Bind(1, applied);
    m->Step();
    return m->status();
  });
  if (!st.ok()) return st;
  if (!flush) unflushed_ = true;
  return applied;
}

Status CloudDb::Write(const std::function<Status()>& fn) {
  Status st = db_->Transaction(fn);
  if (st.ok()) unflushed_ = false;  // its sync took every earlier commit to disk too
  return st;
}

Status CloudDb::Flush() {
  if (!unflushed_) return Status::Ok();
  return Write([&] {
    auto m = db_->Prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('applied_seq', ?)");
    m->Bind(1, AppliedSeq());
    m->Step();
    return m->status();
  });
}

Result<std::map<std::string, std::map<std::string, nlohmann::json>>> CloudDb::LoadResources() {
  std::map<std::string, std::map<std::string, nlohmann::json>> out;
  auto q = db_->Prepare("SELECT kind, id, body FROM resources");
  while (q->Step()) out[q->Text(0)][q->Text(1)] = nlohmann::json::parse(q->Text(2), nullptr, false);
  if (!q->status().ok()) return q->status();
  return out;
}

Status CloudDb::SaveOwnHost(const model::Host& h) {
  return Write([&]() -> Status {
    auto q = db_->Prepare(
        "INSERT INTO hosts (name, role, vtep_ip, dvr_mac) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET role = excluded.role, vtep_ip = excluded.vtep_ip");
    q->Bind(1, h.name).Bind(2, h.role).Bind(3, h.vtep_ip).Bind(4, h.dvr_mac);
    q->Step();
    ISTHMUS_RETURN_IF_ERROR(q->status());
    auto r = db_->Prepare("INSERT OR IGNORE INTO host_reports (name) VALUES (?)");
    r->Bind(1, h.name);
    r->Step();
    return r->status();
  });
}

Result<std::map<std::string, model::Host>> CloudDb::LoadOwnHosts() {
  std::map<std::string, model::Host> out;
  auto q = db_->Prepare("SELECT name, role, vtep_ip, dvr_mac FROM hosts");
  while (q->Step()) out[q->Text(0)] = {q->Text(0), "", q->Text(1), q->Text(2), q->Text(3)};
  if (!q->status().ok()) return q->status();
  return out;
}

Result<std::vector<std::string>> CloudDb::PendingReports() {
  std::vector<std::string> out;
  auto q = db_->Prepare("SELECT name FROM host_reports ORDER BY name");
  while (q->Step()) out.push_back(q->Text(0));
  if (!q->status().ok()) return q->status();
  return out;
}

Status CloudDb::ReportDone(const std::string& host, const std::string& dvr_mac,
                           const std::string& vtep) {
  // Only if the host did not change while the report was in flight.
  auto q = db_->Prepare(
      "DELETE FROM host_reports WHERE name = ? AND EXISTS "
      "(SELECT 1 FROM hosts WHERE name = ? AND dvr_mac = ? AND vtep_ip = ?)");
  q->Bind(1, host).Bind(2, host).Bind(3, dvr_mac).Bind(4, vtep);
  q->Step();
  return q->status();
}

Result<std::map<std::string, std::map<std::string, int>>> CloudDb::LoadLvids() {
  std::map<std::string, std::map<std::string, int>> out;
  auto q = db_->Prepare("SELECT host, network_id, lvid FROM local_vlans");
  while (q->Step()) out[q->Text(0)][q->Text(1)] = static_cast<int>(q->Int(2));
  if (!q->status().ok()) return q->status();
  return out;
}

Status CloudDb::SaveLvids(const std::string& host, const std::map<std::string, int>& lvids) {
  return Write([&]() -> Status {
    auto d = db_->Prepare("DELETE FROM local_vlans WHERE host = ?");
    d->Bind(1, host);
    d->Step();
    ISTHMUS_RETURN_IF_ERROR(d->status());
    for (const auto& [net, lvid] : lvids) {
      auto q = db_->Prepare("INSERT INTO local_vlans (host, network_id, lvid) VALUES (?, ?, ?)");
      q->Bind(1, host).Bind(2, net).Bind(3, int64_t{lvid});
      q->Step();
      ISTHMUS_RETURN_IF_ERROR(q->status());
    }
    return Status::Ok();
  });
}

Result<std::map<std::string, StoredState>> CloudDb::LoadStates() {
  std::map<std::string, StoredState> out;
  auto q = db_->Prepare("SELECT host, revision, body FROM host_states");
  while (q->Step()) {
    // The column holds the digest; a DB written before holds the JSON text.
    std::string v = q->Text(2);
    if (!v.empty() && v[0] == '{') out[q->Text(0)] = {q->Int(1), v, crypto::Sha256Hex(v)};
    else out[q->Text(0)] = {q->Int(1), "", v};
  }
  if (!q->status().ok()) return q->status();
  return out;
}

Status CloudDb::SaveStates(const std::vector<std::pair<std::string, StoredState>>& states, int64_t counter) {
  return Write([&]() -> Status {
    for (const auto& [host, state] : states) {
      auto q = db_->Prepare("INSERT OR REPLACE INTO host_states (host, revision, body) VALUES (?, ?, ?)");
      q->Bind(1, host).Bind(2, state.revision).Bind(3, state.digest);
      q->Step();
      ISTHMUS_RETURN_IF_ERROR(q->status());
    }
    auto m = db_->Prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('revision', ?)");
    m->Bind(1, counter);
    m->Step();
    return m->status();
  });
}

}  // namespace isthmus::cloud
