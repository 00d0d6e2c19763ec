// Keystone v3's admin API on central's port (docs/architecture.md, "Identity"):
// projects, users, roles, role assignments and the default domain, as
// tempest's dynamic credentials and the `openstack` CLI call them, with
// Keystone's bodies, codes and error shape ({"error": {"code", "message",
// "title"}}). Admins only, but for a user reading itself and changing its own
// password.
#pragma once

#include <functional>
#include <string>

#include "central/identity.h"
#include "common/http_server.h"

namespace isthmus::central {

void InstallKeystoneAdminRoutes(HttpServer& server, Identity& identity,
                                std::function<Caller(const httplib::Request&)> who,
                                std::function<std::string(const HttpRequest&)> base_url);

}  // namespace isthmus::central
