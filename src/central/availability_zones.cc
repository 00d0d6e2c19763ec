#include "central/availability_zones.h"

#include "central/listing.h"
#include "common/http.h"

namespace isthmus::central {

using nlohmann::json;

std::vector<json> AvailabilityZones(const std::vector<model::Cloud>& clouds, const std::set<std::string>& unreachable) {
  std::vector<json> out;
  for (const auto& c : clouds)
    for (const char* resource : {"network", "router"})
      out.push_back({{"name", c.name},
                     {"resource", resource},
                     {"state", unreachable.count(c.name) ? "unavailable" : "available"}});
  return out;
}

void InstallAvailabilityZoneRoutes(HttpServer& server, Service& s) {
  server.Get("/v2.0/availability_zones", [&s](const HttpRequest& req, httplib::Response& res) {
    auto clouds = s.ListClouds();
    // Central knows a cloud is unreachable when its last push failed and
    // nothing was acknowledged since: a FAIL job (central_db.h) is pending.
    std::set<std::string> unreachable;
    for (const auto& c : clouds) {
      JobFilter failed;
      failed.cloud = c.name;
      failed.status = "FAIL";
      failed.limit = 1;
      auto jobs = s.ListJobs(failed);
      if (jobs.ok() && !jobs->empty()) unreachable.insert(c.name);
    }
    json list = json::array();
    for (const auto& z : AvailabilityZones(clouds, unreachable))
      if (Matches(req, z)) list.push_back(SelectFields(req, z));
    WriteJson(res, 200, {{"availability_zones", list}});
  });
}

}  // namespace isthmus::central
