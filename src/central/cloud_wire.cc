// The wire side of clouds and hosts: a cloud registration and a host report
// read from their JSON bodies (the API answers the model JSON).
#include "central/request.h"
#include "central/service.h"
#include "common/http.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

Result<model::Cloud> Service::CreateCloud(const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "cloud", {"name", "endpoint", "description"}));
  ISTHMUS_ASSIGN_OR_RETURN(name, r.RequiredString("name"));
  ISTHMUS_ASSIGN_OR_RETURN(endpoint, r.RequiredString("endpoint"));
  // Every cloud checks the cloud events it receives against the same grammar.
  if (!IsValidCloudName(name))
    return InvalidArgument("Invalid input for name: a cloud name is 1 to 64 letters, digits, '.', '-' or '_'");
  auto ep = Endpoint::Parse(endpoint);
  if (!ep.ok()) return ep.status();
  if (!IsValidHostName(ep->host))
    return InvalidArgument("Invalid input for endpoint: '" + ep->host + "' is not a host name or address");
  return Federation::CreateCloud(CloudCreate{name, ep->ToString()});
}

Result<model::Host> Service::PutHost(const std::string& cloud, const std::string& name,
                                     const json& body) {
  ISTHMUS_ASSIGN_OR_RETURN(r, Request::Parse(body, "host", {"name", "role", "vtep_ip", "dvr_mac"}));
  ISTHMUS_ASSIGN_OR_RETURN(role, r.RequiredString("role"));
  ISTHMUS_ASSIGN_OR_RETURN(vtep, r.RequiredString("vtep_ip"));
  ISTHMUS_ASSIGN_OR_RETURN(mac_text, r.RequiredString("dvr_mac"));
  if (!IsValidHostName(name))
    return InvalidArgument("a host name is at most 64 letters, digits, '.', '-' or '_'");
  if (role != "compute" && role != "network")
    return InvalidArgument("role must be compute or network, not '" + role + "'");
  if (!Ipv4::Parse(vtep).ok()) return InvalidArgument("vtep_ip '" + vtep + "' is not an IPv4 address");
  auto mac = Mac::Parse(mac_text);
  if (!mac.ok()) return mac.status();
  return Federation::PutHost(cloud, name, HostReport{role, vtep, *mac});
}

}  // namespace isthmus::central
