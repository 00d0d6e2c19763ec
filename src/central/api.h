// Central's HTTP API: Neutron v2.0 shapes over Service (docs/architecture.md,
// "Central API"). Every error is a NeutronError body (common/http.h).
#pragma once

#include <httplib.h>

#include "central/pusher.h"
#include "central/service.h"

namespace isthmus::central {

void InstallRoutes(httplib::Server& server, Service& service, Pusher& pusher);

}  // namespace isthmus::central
