// LabFacts: what `lab up` built (ids, addresses, MACs, namespaces), saved as
// <lab root>/lab.json so that `lab exec`, `lab show`, `lab matrix` and the tests
// can find things without asking the control plane.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace isthmus::lab {

// Path-style lookup for scripts: "instance.instance1.ip", "router.R2.net4.mac",
// "host.c1-h1.vtep_ip", "hosts" (names, space separated), "instances".
Result<std::string> GetFact(const nlohmann::json& facts, const std::string& path);

Status SaveFacts(const std::string& path, const nlohmann::json& facts);
Result<nlohmann::json> LoadFacts(const std::string& path);
// Makes this process call the lab's daemons as its operator (the lab's TLS
// files, docs/trust.md); nothing when the lab has none.
[[nodiscard]] Status UseOperatorTls(const nlohmann::json& facts);

}  // namespace isthmus::lab
