#include "central/access.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

bool Owns(const Caller& c, const json& item) {
  return c.admin || (item.is_object() && item.value("project_id", "") == c.project_id);
}

std::string Capitalized(std::string k) {
  if (!k.empty()) k[0] = static_cast<char>(std::toupper(k[0]));
  if (k == "Floatingip") k = "Floating IP";
  return k;
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
  if (!wanted.empty() && wanted != c.project_id && !c.admin)
    return Status(Code::kForbidden, "only an admin may create a " + resource + " for project " + wanted);
  if (wanted.empty()) obj["project_id"] = c.project_id;
  return Status::Ok();
}

Status CheckCreate(Service& s, const Caller& c, const std::string& resource, const json& body) {
  if (c.admin || !body.is_object() || !body.contains(resource) || !body[resource].is_object())
    return Status::Ok();
  const json& obj = body[resource];
  if (resource == "subnet" && !Str(obj, "network_id").empty())
    return MayUse(s, c, "network", Str(obj, "network_id"));
  if (resource == "port") {
    if (obj.contains("binding:host_id") && !Str(obj, "binding:host_id").empty())
      return Status(Code::kForbidden, "only an admin may bind a port to a host (binding:host_id)");
    if (!Str(obj, "network_id").empty()) return MayUse(s, c, "network", Str(obj, "network_id"));
  }
  // Neutron's policy: only an admin chooses a router's mode (isthmus's default applies otherwise).
  if (resource == "router" && obj.contains("distributed"))
    return Status(Code::kForbidden, "only an admin may set distributed on a router");
  // external_gateway_info {} or null means no gateway (Neutron): nothing to use.
  if (resource == "router" && obj.contains("external_gateway_info") &&
      obj["external_gateway_info"].is_object() && !Str(obj["external_gateway_info"], "network_id").empty())
    return MayUse(s, c, "network", Str(obj["external_gateway_info"], "network_id"), true);
  if (resource == "floatingip") {
    if (!Str(obj, "floating_network_id").empty())
      ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "network", Str(obj, "floating_network_id"), true));
    if (!Str(obj, "port_id").empty()) return MayUse(s, c, "port", Str(obj, "port_id"));
  }
  return Status::Ok();
}

}  // namespace isthmus::central
