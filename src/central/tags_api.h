// The routes of Neutron's standard-attr-tag: GET/PUT/DELETE
// /v2.0/<plural>/{id}/tags and /tags/{tag}, and POST .../tags, for every
// taggable kind (tags.h), with Neutron's codes (docs/architecture.md, "Tags").
#pragma once

#include <functional>

#include "central/identity.h"
#include "central/service.h"
#include "common/http_server.h"

namespace isthmus::central {

// Reads need the resource visible to the caller, changes need it the caller's
// own (or an admin), as any update.
void InstallTagRoutes(HttpServer& server, Service& s, const std::function<Caller(const httplib::Request&)>& who);

}  // namespace isthmus::central
