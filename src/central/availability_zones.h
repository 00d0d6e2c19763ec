// Neutron's availability_zone extension over central's clouds: every cloud is
// one zone, for resource "network" and for resource "router"
// (GET /v2.0/availability_zones, what `openstack availability zone list
// --network` reads). docs/architecture.md, "Central API".
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "central/service.h"
#include "common/http_server.h"

namespace isthmus::central {

// The zones of these clouds: "unavailable" for a cloud in `unreachable`
// (central's last push to it failed and is not acknowledged since), else
// "available". Two per cloud (network, router), by cloud name.
std::vector<nlohmann::json> AvailabilityZones(const std::vector<model::Cloud>& clouds,
                                              const std::set<std::string>& unreachable);

// GET /v2.0/availability_zones, with Neutron's filters (?state=, ?resource=,
// ?name=) and ?fields=; any caller may list them, as in Neutron.
void InstallAvailabilityZoneRoutes(HttpServer& server, Service& service);

}  // namespace isthmus::central
