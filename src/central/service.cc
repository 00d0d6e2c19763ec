// Service: the wire entry points common to every kind (reads and deletes by a
// kind's name, the outbox status, a cloud's sync report, quotas) and the view
// of any Neutron kind. The kinds' own entry points are in their *_wire.cc.
#include "central/service.h"


#include <type_traits>

#include "common/memory.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

// The Neutron kind a wire name names, or nullopt.
std::optional<Kind> NeutronKind(const std::string& name) {
  auto k = KindNamed(name);
  if (!k || !Traits(*k).neutron) return std::nullopt;
  return k;
}

}  // namespace

Result<std::unique_ptr<Service>> Service::Create(const std::string& db_path, ServiceOptions options) {
  auto db = CentralDb::Open(db_path);
  if (!db.ok()) return db.status();
  std::unique_ptr<Service> s(new Service(std::move(*db), options));
  ISTHMUS_RETURN_IF_ERROR(s->Load());
  auto statuses = StatusStore::Open(db_path);  // its own connection, as the token store's
  if (!statuses.ok()) return statuses.status();
  s->UseStatusStore(std::move(*statuses));
  ReleaseFreeMemory();  // the rows parsed to fill the cache: 100k ports held 200 MiB more until given back
  return s;
}

Result<json> Service::Get(const std::string& kind, const std::string& id) {
  auto k = NeutronKind(kind);
  if (!k) return NotFound("Unknown resource kind " + kind);
  std::optional<json> found;
  ForEachKindType([&](auto type) {
    using T = typename decltype(type)::type;
    if (KindOf<T> != *k) return;
    if (auto v = Find<T>(id)) found = json(*v);
  });
  if (!found) return NotFound(std::string(Traits(*k).title) + " " + id + " could not be found");
  return *found;
}

std::vector<json> Service::List(const std::string& kind) {
  std::vector<json> out;
  auto k = NeutronKind(kind);
  if (!k) return out;
  ForEachKindType([&](auto type) {
    using T = typename decltype(type)::type;
    if (KindOf<T> != *k) return;
    for (const auto& v : All<T>()) out.push_back(v);
  });
  return out;
}

Status Service::Delete(const std::string& kind, const std::string& id) {
  auto k = NeutronKind(kind);
  if (!k) return NotFound("Unknown resource kind " + kind);
  return Federation::Delete(*k, id);
}

json Service::OutboxStatus() {
  json out = json::object();
  for (const auto& [n, c] : OutboxCountsByCloud()) out[n] = {{"acked_seq", c.acked_seq}, {"pending", c.pending}};
  return out;
}

Result<json> Service::ReportApplied(const std::string& cloud, int64_t applied) {
  auto r = ReportAppliedSeq(cloud, applied);
  if (!r.ok()) return r.status();
  return json{{"cloud", r->cloud}, {"applied_seq", r->applied_seq}, {"acked_seq", r->acked_seq},
              {"resync", r->resync}};
}

Result<QuotaSet> Service::SetQuota(const std::string& project, const json& body) {
  if (!IsValidName(project) || project.empty())
    return InvalidArgument("Invalid input for project_id: '" + project.substr(0, 64) + "'");
  auto update = ParseQuotaUpdate(body);
  if (!update.ok()) return update.status();
  return Federation::SetQuota(project, *update);
}

namespace {
// The view of what the store holds now (with the attributes Put stamps), not of the request's copy.
template <typename T>
Result<json> StoredView(Service& s, const Result<T>& made) {
  if (!made.ok()) return made.status();
  auto stored = s.Find<T>(made->id);
  return ViewOf(s, stored ? *stored : *made);
}
}  // namespace

Result<json> Service::CreateView(Kind kind, const json& body) {
  auto v = VisitNeutronKind(kind, [&]<typename T>(std::type_identity<T> t) { return StoredView(*this, Create(t, body)); });
  return v ? *v : Result<json>(NotFound("Unknown resource kind " + Name(kind)));
}

Result<json> Service::UpdateView(Kind kind, const std::string& id, const json& body) {
  auto v = VisitNeutronKind(kind,
                            [&]<typename T>(std::type_identity<T> t) { return StoredView(*this, Update(t, id, body)); });
  return v ? *v : Result<json>(NotFound("Unknown resource kind " + Name(kind)));
}

json View(Federation& f, Kind kind, const json& model) {
  auto v = VisitNeutronKind(kind, [&]<typename T>(std::type_identity<T>) { return ViewOf(f, model.get<T>()); });
  return v ? *v : model;
}

}  // namespace isthmus::central
