// Central's HTTP API: Neutron v2.0 shapes over Service (docs/architecture.md,
// "Central API"). Every error is a NeutronError body (common/http.h).
#pragma once

#include "common/http_server.h"

#include <functional>

#include "central/identity.h"
#include "central/pusher.h"
#include "central/service.h"

namespace isthmus::central {

// identity: nullptr turns authentication off (every caller is an admin);
// self_url: central's own base URL, for the Keystone catalog; cloud_certs: a
// cloud's reports must also come with that cloud's certificate (TLS on).
void InstallRoutes(HttpServer& server, Service& service, Pusher& pusher,
                   Identity* identity = nullptr, const std::string& self_url = "",
                   bool cloud_certs = false);

// The admin API (admin_api.cc): jobs (/v2.0/jobs) and resource routings
// (/v2.0/routings). admin_only refuses a caller without the admin role.
void InstallAdminRoutes(HttpServer& server, Service& service, Pusher& pusher,
                        std::function<Status(const httplib::Request&)> admin_only);

}  // namespace isthmus::central
