#include "central/access.h"

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

Status CheckCreate(Service& s, const Caller& c, const std::string& resource, const json& body) {
  if (c.admin || !body.is_object() || !body.contains(resource) || !body[resource].is_object())
    return Status::Ok();
  const json& obj = body[resource];
  // Neutron's policy: external and provider networks are an admin's.
  if (resource == "network")
    for (const char* attr : {"router:external", "provider:network_type", "provider:physical_network",
                             "provider:segmentation_id"})
      if (obj.contains(attr) && !obj[attr].is_null() && obj[attr] != json(false))
        return Status(Code::kForbidden, std::string("only an admin may set ") + attr + " on a network");
  if (resource == "subnet" && !Str(obj, "network_id").empty())
    return MayUse(s, c, "network", Str(obj, "network_id"));
  if (resource == "port") {
    if (obj.contains("binding:host_id") && !Str(obj, "binding:host_id").empty())
      return Status(Code::kForbidden, "only an admin may bind a port to a host (binding:host_id)");
    if (!Str(obj, "network_id").empty()) ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "network", Str(obj, "network_id")));
  }
  // Neutron's policy: only an admin chooses a router's mode (isthmus's default applies otherwise).
  if (resource == "router" && obj.contains("distributed"))
    return Status(Code::kForbidden, "only an admin may set distributed on a router");
  // external_gateway_info {} or null means no gateway (Neutron): nothing to use.
  if (resource == "router" && obj.contains("external_gateway_info") &&
      obj["external_gateway_info"].is_object() && !Str(obj["external_gateway_info"], "network_id").empty())
    return MayUse(s, c, "network", Str(obj["external_gateway_info"], "network_id"), true);
  if (resource == "port") ISTHMUS_RETURN_IF_ERROR(MayUseGroups(s, c, obj));
  if (resource == "security_group_rule") {
    if (!Str(obj, "security_group_id").empty())
      ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "securitygroup", Str(obj, "security_group_id")));
    if (!Str(obj, "remote_group_id").empty())
      ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "securitygroup", Str(obj, "remote_group_id"), true));
  }
  if (resource == "floatingip") {
    if (!Str(obj, "floating_network_id").empty())
      ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "network", Str(obj, "floating_network_id"), true));
    if (!Str(obj, "port_id").empty()) return MayAssociatePort(s, c, Str(obj, "port_id"));
  }
  return Status::Ok();
}

}  // namespace isthmus::central
