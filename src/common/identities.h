// The identities of the federation's processes: the common names the federation
// CA puts in their certificates, and so what a peer is authorized as
// (docs/trust.md). One place, used by the servers' checks and the lab's CA.
#pragma once

#include <string>

namespace isthmus::identities {

inline const std::string kCentral = "central";
// An operator's tools (the lab, curl by hand): may read a cloud's dump and host states.
inline const std::string kOperator = "operator";
inline std::string Cloud(const std::string& cloud) { return "cloud/" + cloud; }
inline std::string Host(const std::string& cloud, const std::string& host) {
  return "host/" + cloud + "/" + host;
}

}  // namespace isthmus::identities
