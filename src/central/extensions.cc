#include "central/extensions.h"

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/http.h"

namespace isthmus::central {

using nlohmann::json;

void InstallExtensionRoutes(HttpServer& server) {
  static const std::vector<std::pair<std::string, std::string>> kExtensions = {
      {"external-net", "Neutron external network"},
      {"router", "Neutron L3 Router"},
      {"dvr", "Distributed Virtual Router"},
      {"ext-gw-mode", "Neutron L3 Configurable external gateway mode"},
      {"binding", "Port Binding"},
      {"provider", "Provider Network"},
      {"availability_zone", "Availability Zone"},
      {"network_availability_zone", "Network Availability Zone"},
      {"router_availability_zone", "Router Availability Zone"},
      {"project-id", "project_id field enabled"},
      {"pagination", "Pagination support"},
      {"fip-port-details", "Floating IP Port Details Extension"},
      {"quotas", "Quota management support"},
      {"net-mtu", "Network MTU"},
      {"standard-attr-description", "standard-attr-description"},
      {"standard-attr-timestamp", "Resource timestamps"},
      {"standard-attr-revisions", "Resource revision numbers"},
      {"revision-if-match", "If-Match constraints based on revision_number"},
      {"security-group", "security-group"},
      {"port-security", "Port Security"},
      {"allowed-address-pairs", "Allowed Address Pairs"},
      {"extraroute", "Neutron Extra Route"},
      {"extraroute-atomic", "Atomically add/remove extra routes"},
      {"standard-attr-tag", "Tag support for resources with standard attribute"},
      {"tag", "Tag support"},
      {"tag-ports-during-bulk-creation", "Tag Ports During Bulk Creation"},
      {"sorting", "Sorting support"}};
  auto extension = [](const std::pair<std::string, std::string>& e) {
    return json{{"alias", e.first}, {"name", e.second}, {"description", e.second},
                {"updated", "2026-11-25T00:00:00-00:00"}, {"links", json::array()}};
  };
  server.Get("/v2.0/extensions", [extension](const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    for (const auto& e : kExtensions) list.push_back(extension(e));
    WriteJson(res, 200, {{"extensions", list}});
  });
  server.Get(R"(/v2.0/extensions/([^/]+))", [extension](const HttpRequest& req, httplib::Response& res) {
    for (const auto& e : kExtensions)
      if (e.first == req.matches[1].str()) return WriteJson(res, 200, {{"extension", extension(e)}});
    WriteError(res, NotFound("Extension with alias " + req.matches[1].str() + " does not exist"));
  });
}

}  // namespace isthmus::central
