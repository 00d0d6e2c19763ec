// Central's HTTP API: Neutron v2.0 shapes over Service (docs/architecture.md,
// "Central API"). Every error is a NeutronError body (common/http.h).
#pragma once

#include <httplib.h>

#include "central/identity.h"
#include "central/pusher.h"
#include "central/service.h"

namespace isthmus::central {

// identity: nullptr turns authentication off (every caller is an admin);
// self_url: central's own base URL, for the Keystone catalog.
void InstallRoutes(httplib::Server& server, Service& service, Pusher& pusher,
                   Identity* identity = nullptr, const std::string& self_url = "");

}  // namespace isthmus::central
