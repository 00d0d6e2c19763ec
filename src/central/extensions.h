// Neutron's extensions central implements, as clients probe for them:
// GET /v2.0/extensions and /v2.0/extensions/{alias}. An alias is listed only
// once its behaviour is implemented (docs/architecture.md, "Central API").
#pragma once

#include "common/http_server.h"

namespace isthmus::central {

void InstallExtensionRoutes(HttpServer& server);

}  // namespace isthmus::central
