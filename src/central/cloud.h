// Clouds and hosts in central's core: what a request to register a cloud or
// report a host carries once read (cloud.cc does the federation's side,
// cloud_wire.cc reads them from the API's JSON).
#pragma once

#include <string>

#include "common/net.h"

namespace isthmus::central {

struct CloudCreate {
  std::string name;      // a valid cloud name
  std::string endpoint;  // canonical http(s)://host:port
};

// A cloud's report of one of its hosts (PUT /v2.0/clouds/{cloud}/hosts/{host}).
struct HostReport {
  std::string role;     // compute or network
  std::string vtep_ip;  // an IPv4 address
  Mac dvr_mac;
};

}  // namespace isthmus::central
