// Linux network namespaces and the veth legs that join them to Open vSwitch,
// for every namespace the agent owns (qrouter-, snat-, fip-, qdhcp-). One `ip`
// process per call, batches where several changes go together. Every call is
// idempotent: running it again on a converged host changes nothing.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "agent/ovs.h"
#include "common/process.h"

namespace isthmus::agent {

// A veth pair: `dev` inside namespace `ns`, `peer` in the host namespace and
// plugged into `bridge` with external_ids:iface-id=iface_id.
struct VethLeg {
  std::string ns;
  std::string dev;
  std::string peer;
  std::string bridge;
  std::string iface_id;
  std::string mac;
  int mtu = 1450;
  std::vector<std::string> addrs;  // exactly these "ip/len" on dev
};

class Netns {
 public:
  // host_netns: the namespace OVS runs in ("" = this one).
  Netns(Runner& runner, std::string host_netns) : runner_(runner), host_netns_(std::move(host_netns)) {}

  // `ip [-n netns] args...`, stdin from input (for -batch -).
  Result<std::string> Ip(const std::vector<std::string>& args, const std::string& netns,
                         const std::string& input = "");
  // `ip netns exec ns argv...`.
  Result<std::string> Exec(const std::string& ns, const std::vector<std::string>& argv,
                           const std::string& input = "");
  // Runs argv in the host namespace (where OVS and the peers live).
  Result<std::string> ExecHost(const std::vector<std::string>& argv);

  static bool Exists(const std::string& ns);
  // Namespaces whose names start with prefix.
  static std::vector<std::string> List(const std::string& prefix);
  bool LinkExists(const std::string& netns, const std::string& dev);

  // Creates ns if missing; lo up, IPv6 off, rp_filter off; forwarding on when asked.
  Status Ensure(const std::string& ns, bool forwarding);
  Status Delete(const std::string& ns);

  // Creates the pair if missing (checksum offload off on both ends: userspace
  // OVS needs it, docs/architecture.md), sets MAC, MTU and exactly `addrs`,
  // brings both ends up and plugs the peer. existing_ports: OVS port names now.
  Status PlugVeth(const VethLeg& leg, Ovs& ovs, const std::set<std::string>& existing_ports);
  // Deletes ns-side devices with `prefix` in ns that are not in `keep`.
  Status RemoveStaleDevices(const std::string& ns, const std::string& prefix,
                            const std::set<std::string>& keep);

 private:
  Runner& runner_;
  std::string host_netns_;
};

}  // namespace isthmus::agent
