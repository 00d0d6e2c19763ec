// Service: the wire entry points common to every kind (reads and deletes by a
// kind's name, the outbox status, a cloud's sync report, quotas) and the view
// of any Neutron kind. The kinds' own entry points are in their *_wire.cc.
#include "central/service.h"

#include <malloc.h>

#include <type_traits>

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
  malloc_trim(0);  // the rows parsed to fill the cache: 100k ports held 200 MiB more until given back
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

Result<json> Service::CreateView(Kind kind, const json& body) {
  // The view of what the store holds (with the attributes Put stamps), not of the request's copy.
  auto view = [this](auto made, auto&& view_of) -> Result<json> {
    if (!made.ok()) return made.status();
    using T = std::decay_t<decltype(*made)>;
    auto stored = Find<T>(made->id);
    return view_of(stored ? *stored : *made);
  };
  switch (kind) {
    case Kind::kNetwork: return view(CreateNetwork(body), [&](const auto& n) { return NetworkView(*this, n); });
    case Kind::kSubnet: return view(CreateSubnet(body), [](const auto& v) { return SubnetView(v); });
    case Kind::kPort: return view(CreatePort(body), [this](const auto& v) { return PortView(*this, v); });
    case Kind::kRouter: return view(CreateRouter(body), [&](const auto& r) { return RouterView(*this, r); });
    case Kind::kFloatingIp: return view(CreateFloatingIp(body), [&](const auto& v) { return FloatingIpView(*this, v); });
    case Kind::kSecurityGroup:
      return view(CreateSecurityGroup(body), [&](const auto& g) { return SecurityGroupView(*this, g); });
    case Kind::kSecurityGroupRule:
      return view(CreateSecurityGroupRule(body), [](const auto& r) { return SecurityGroupRuleView(r); });
    default: return NotFound("Unknown resource kind " + Name(kind));
  }
}

json View(Federation& f, Kind kind, const json& model) {
  switch (kind) {
    case Kind::kNetwork: return NetworkView(f, model.get<model::Network>());
    case Kind::kSubnet: return SubnetView(model.get<model::Subnet>());
    case Kind::kPort: return PortView(f, model.get<model::Port>());
    case Kind::kFloatingIp: return FloatingIpView(f, model.get<model::FloatingIp>());
    case Kind::kSecurityGroup: return SecurityGroupView(f, model.get<model::SecurityGroup>());
    case Kind::kSecurityGroupRule: return SecurityGroupRuleView(model.get<model::SecurityGroupRule>());
    default: return RouterView(f, model.get<model::Router>());
  }
}

}  // namespace isthmus::central
