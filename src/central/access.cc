#include "central/access.h"

#include <type_traits>

namespace isthmus::central {

using nlohmann::json;

namespace {

bool Owns(const Caller& c, const json& item) {
  return c.admin || (item.is_object() && item.value("project_id", "") == c.project_id);
}

std::string Capitalized(const std::string& k) {
  auto kind = KindNamed(k);
  return kind ? Traits(*kind).title : k;
}

std::string Str(const json& obj, const char* key) {
  return obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>() : "";
}

}  // namespace

bool Visible(Service& s, const Caller& c, const std::string& kind, const json& item) {
  if (Owns(c, item)) return true;
  // External networks are visible to all; their subnets are not (Neutron: only
  // a shared network's subnets are, and isthmus has no shared networks).
  if (kind == "network") return item.value("external", false);
  return false;
}

Status MayUse(Service& s, const Caller& c, const std::string& kind, const std::string& id,
              bool use_shared) {
  auto item = s.Get(kind, id);
  if (!item.ok() || !Visible(s, c, kind, *item))
    return NotFound(Capitalized(kind) + " " + id + " could not be found");
  if (Owns(c, *item) || use_shared) return Status::Ok();
  return Status(Code::kForbidden, Capitalized(kind) + " " + id + " belongs to another project");
}

Status StampProject(const Caller& c, json& body, const std::string& resource) {
  if (!body.is_object() || !body.contains(resource) || !body[resource].is_object())
    return Status::Ok();  // the service refuses the body itself, with its own message
  json& obj = body[resource];
  std::string wanted = Str(obj, "project_id");
  if (wanted.empty()) wanted = Str(obj, "tenant_id");
  if (!wanted.empty() && wanted != c.project_id && !c.admin)  // Neutron's answer, a 400
    return InvalidArgument("Specifying 'project_id' or 'tenant_id' other than the authenticated project in "
                           "request requires admin privileges");
  if (wanted.empty()) obj["project_id"] = c.project_id;
  return Status::Ok();
}

Status MayUseGroups(Service& s, const Caller& c, const json& port) {
  if (c.admin || !port.is_object() || !port.contains("security_groups") || !port["security_groups"].is_array())
    return Status::Ok();
  for (const auto& id : port["security_groups"]) {
    if (!id.is_string()) continue;  // the service refuses it, with its own message
    auto g = s.Get("securitygroup", id);
    if (!g.ok() || !Visible(s, c, "securitygroup", *g))
      return NotFound("Security group " + id.get<std::string>() + " does not exist");
  }
  return Status::Ok();
}

Status MayAssociatePort(Service& s, const Caller& c, const std::string& port_id) {
  auto port = s.Get("port", port_id);
  if (!port.ok()) return NotFound("Port " + port_id + " could not be found");
  if (Owns(c, *port)) return Status::Ok();
  return InvalidArgument("Cannot process floating IP association with Port " + port_id +
                         ", since that port is owned by a different tenant");
}

Status CheckDelete(Service& s, const Caller& c, const std::string& kind, const std::string& id) {
  if (c.admin || kind != "securitygroup") return Status::Ok();
  auto g = s.Get(kind, id);
  if (g.ok() && g->value("name", "") == kDefaultSecurityGroup) return Conflict("Insufficient rights for removing default security group.");
  return Status::Ok();
}

// What a member may not write, kind by kind (Neutron's policy). `obj` is the
// body's resource object; the caller is no admin. A kind without an overload
// has no check beyond its project (StampProject, MayUse of the resource).
Status MayCreate(std::type_identity<model::Network>, Service&, const Caller&, const json& obj) {
  // External and provider networks are an admin's.
  for (const char* attr : {"router:external", "provider:network_type", "provider:physical_network",
                           "provider:segmentation_id"})
    if (obj.contains(attr) && !obj[attr].is_null() && obj[attr] != json(false))
      return Status(Code::kForbidden, std::string("only an admin may set ") + attr + " on a network");
  return Status::Ok();
}

Status MayCreate(std::type_identity<model::Subnet>, Service& s, const Caller& c, const json& obj) {
  return Str(obj, "network_id").empty() ? Status::Ok() : MayUse(s, c, "network", Str(obj, "network_id"));
}

Status MayCreate(std::type_identity<model::Port>, Service& s, const Caller& c, const json& obj) {
  if (obj.contains("binding:host_id") && !Str(obj, "binding:host_id").empty())
    return Status(Code::kForbidden, "only an admin may bind a port to a host (binding:host_id)");
  if (!Str(obj, "network_id").empty()) ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "network", Str(obj, "network_id")));
  return MayUseGroups(s, c, obj);
}

Status MayCreate(std::type_identity<model::Router>, Service& s, const Caller& c, const json& obj) {
  // Only an admin chooses a router's mode (isthmus's default applies otherwise).
  if (obj.contains("distributed")) return Status(Code::kForbidden, "only an admin may set distributed on a router");
  // external_gateway_info {} or null means no gateway (Neutron): nothing to use.
  if (obj.contains("external_gateway_info") && obj["external_gateway_info"].is_object() &&
      !Str(obj["external_gateway_info"], "network_id").empty())
    return MayUse(s, c, "network", Str(obj["external_gateway_info"], "network_id"), true);
  return Status::Ok();
}

Status MayCreate(std::type_identity<model::SecurityGroupRule>, Service& s, const Caller& c, const json& obj) {
  if (!Str(obj, "security_group_id").empty())
    ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "securitygroup", Str(obj, "security_group_id")));
  if (!Str(obj, "remote_group_id").empty())
    ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "securitygroup", Str(obj, "remote_group_id"), true));
  return Status::Ok();
}

Status MayCreate(std::type_identity<model::FloatingIp>, Service& s, const Caller& c, const json& obj) {
  if (!Str(obj, "floating_network_id").empty())
    ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "network", Str(obj, "floating_network_id"), true));
  return Str(obj, "port_id").empty() ? Status::Ok() : MayAssociatePort(s, c, Str(obj, "port_id"));
}

template <typename T>
Status MayCreate(std::type_identity<T>, Service&, const Caller&, const json&) {
  return Status::Ok();
}

Status MayUpdate(std::type_identity<model::Network>, Service&, const Caller&, const json& obj) {
  if (obj.contains("router:external"))
    return Status(Code::kForbidden, "only an admin may set router:external on a network");
  return Status::Ok();
}

Status MayUpdate(std::type_identity<model::Port>, Service& s, const Caller& c, const json& obj) {
  if (obj.contains("binding:host_id"))
    return Status(Code::kForbidden, "only an admin may bind a port to a host (binding:host_id)");
  if (obj.contains("mac_address")) return Status(Code::kForbidden, "only an admin may change a port's mac_address");
  return MayUseGroups(s, c, obj);
}

template <typename T>
Status MayUpdate(std::type_identity<T>, Service&, const Caller&, const json&) {
  return Status::Ok();
}

// The resource object of a create or update body ({"<body key>": {...}}), or
// null when the body has none (the request's own validation answers it).
const json* ResourceObject(Kind kind, const json& body) {
  const char* key = Traits(kind).body;
  return body.is_object() && body.contains(key) && body[key].is_object() ? &body[key] : nullptr;
}

Status CheckCreate(Service& s, const Caller& c, Kind kind, const json& body) {
  const json* obj = ResourceObject(kind, body);
  if (c.admin || !obj) return Status::Ok();
  return VisitNeutronKind(kind, [&](auto t) { return MayCreate(t, s, c, *obj); }).value_or(Status::Ok());
}

Status CheckUpdate(Service& s, const Caller& c, Kind kind, const json& body) {
  const json* obj = ResourceObject(kind, body);
  if (c.admin || !obj) return Status::Ok();
  return VisitNeutronKind(kind, [&](auto t) { return MayUpdate(t, s, c, *obj); }).value_or(Status::Ok());
}

}  // namespace isthmus::central
