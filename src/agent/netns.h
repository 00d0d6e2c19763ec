// Linux network namespaces and the veth legs that join them to Open vSwitch,
// for every namespace the agent owns (qrouter-, snat-, fip-, qdhcp-), all
// in-process: namespaces as bind mounts (netns_kernel.h), links, addresses
// and the rest over rtnetlink (netlink.h); only programs that are not `ip`
// (iptables-restore, dnsmasq) are started, inside the namespace. Every call is
// idempotent: running it again on a converged host changes nothing.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "agent/netlink.h"
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

// The kernel operations are virtual so that unit tests can record them
// instead (they need root and namespaces).
class Netns {
 public:
  // host_netns: the namespace OVS runs in ("" = this one).
  Netns(Runner& runner, std::string host_netns) : runner_(runner), host_netns_(std::move(host_netns)) {}
  virtual ~Netns() = default;

  // Runs argv inside namespace ns (the child joins it before exec), stdin from input.
  virtual Result<std::string> Exec(const std::string& ns, const std::vector<std::string>& argv,
                                   const std::string& input = "");
  // A netlink socket in namespace ns ("" = the agent's).
  virtual Result<Rtnetlink> Netlink(const std::string& ns) { return Rtnetlink::Open(ns); }
  const std::string& host_netns() const { return host_netns_; }

  static bool Exists(const std::string& ns);
  // Namespaces whose names start with prefix.
  static std::vector<std::string> List(const std::string& prefix);

  // Creates ns if missing; lo up, IPv6 off, rp_filter off; forwarding on when asked.
  virtual Status Ensure(const std::string& ns, bool forwarding);
  virtual Status Delete(const std::string& ns);
  // Sysctls of namespace ns ("net.ipv4.conf.fg-x.proxy_arp", "1").
  virtual Status Sysctl(const std::string& ns, const std::string& name, const std::string& value);

  // Creates the pair if missing (checksum offload off on both ends: userspace
  // OVS needs it, docs/architecture.md), sets MAC, MTU and exactly `addrs`,
  // brings both ends up and plugs the peer. existing_ports: OVS port names now.
  // InvalidArgument (nothing changed) if the MAC or an address is not one.
  virtual Status PlugVeth(const VethLeg& leg, Ovs& ovs, const std::set<std::string>& existing_ports);
  // Deletes ns-side devices with `prefix` in ns that are not in `keep`.
  virtual Status RemoveStaleDevices(const std::string& ns, const std::string& prefix,
                                    const std::set<std::string>& keep);

 private:
  Runner& runner_;
  std::string host_netns_;
};

}  // namespace isthmus::agent
