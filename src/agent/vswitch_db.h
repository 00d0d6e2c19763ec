// Writes to this host's Open_vSwitch database over ovsdb-server's socket
// (RFC 7047 "transact"), what `ovs-vsctl --may-exist add-br/add-port` and
// `--if-exists del-port` did, without its process. Each call reads what is
// there, writes only the difference in one transaction, and (like ovs-vsctl
// without --no-wait) returns once ovs-vswitchd has applied it (cur_cfg caught
// up with the next_cfg the transaction bumped), so the bridges' OpenFlow ports
// exist when the call returns. docs/architecture.md, "OVSDB writes".
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace isthmus::agent {

struct BridgeSpec {
  std::string name;
  std::string datapath_type;           // "netdev"
  std::string fail_mode;               // "secure", "standalone"
  std::vector<std::string> protocols;  // {} = leave as is
};

struct PortSpec {
  std::string name;  // the Port and its one Interface
  std::string type;  // "" (system), "internal", "patch", "vxlan"
  std::map<std::string, std::string> options;       // keys set; others left
  std::map<std::string, std::string> external_ids;  // keys set; others left
};

class VswitchDb {
 public:
  // `socket_path`: ovsdb-server's unix socket. `wait_for_vswitchd` false: return
  // once the transaction committed (ovs-vsctl --no-wait), for a database with no
  // ovs-vswitchd.
  VswitchDb(std::string socket_path, std::chrono::milliseconds timeout, bool wait_for_vswitchd = true)
      : path_(std::move(socket_path)), timeout_(timeout), wait_(wait_for_vswitchd) {}

  // Each bridge exists with its columns as given (and its internal port).
  Status EnsureBridges(const std::vector<BridgeSpec>& bridges);
  // Each port exists on `bridge` with its interface's type, options and
  // external_ids keys as given. A port of that name elsewhere is refused.
  Status EnsurePorts(const std::string& bridge, const std::vector<PortSpec>& ports);
  // The ports of these names are not on `bridge` (absent ones are no error).
  Status DeletePorts(const std::string& bridge, const std::vector<std::string>& names);

 private:
  std::string path_;
  std::chrono::milliseconds timeout_;
  bool wait_;
};

}  // namespace isthmus::agent
