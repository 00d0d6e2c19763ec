// Which ordered pairs of a topology's instances its routers can carry ICMP
// between, by Neutron's rules (routers do not exchange routes), and which
// external network each instance's traffic to the internet leaves through.
// The matrix pings only routable pairs; docs/topology.md, "Routing".
#pragma once

#include <string>

#include "lab/topology.h"

namespace isthmus::lab {

class Routes {
 public:
  explicit Routes(Topology t) : t_(std::move(t)) {}
  const Topology& topology() const { return t_; }

  // G(S, X): the router that serves network `network`'s subnet in `cloud`:
  // that cloud's router on it, else (a subnet routed in some of its clouds
  // only) the router on it of the first cloud, in the file's order, that has
  // one. nullptr: nobody routes it, or it does not span that cloud.
  const LabRouter* GatewayRouter(const std::string& network, const std::string& cloud) const;
  // The NIC holding the instance's default route: its first NIC whose network
  // has a gateway; -1 when none.
  int DefaultNic(const LabInstance& i) const;
  // The router behind the instance's default route (nullptr: none).
  const LabRouter* DefaultRouter(const LabInstance& i) const;

  // Whether a ping from `from` to `to`'s matrix NIC address can get there and
  // its reply back: directly when they share the target's network, else
  // through from's default router, which needs a leg on the target network;
  // the reply likewise toward from's source address. A pair with an instance
  // the model does not know (below) is routable (nothing to say: measure).
  bool Routable(const std::string& from, const std::string& to) const;

  // The external network (name) the instance's traffic to the internet leaves
  // through: its default router's cloud's, when that router has a gateway;
  // "" when nothing is expected (no gateway, or a router without one).
  std::string ExpectedExternal(const std::string& instance) const;

  // Whether the topology knows the instance, its host and every network of
  // its NICs (one added with `lab add-instance --port` on a network made with
  // the openstack CLI is not).
  bool Knows(const std::string& instance) const;

 private:
  const LabInstance* FindInstance(const std::string& name) const;
  const LabCloud* CloudOf(const LabInstance& i) const;
  // Whether `i` reaches an address on `network` sent from its NIC on it or
  // through its default router; source_nic: the NIC the packet leaves from.
  bool Reaches(const LabInstance& i, const std::string& network, int* source_nic) const;

  Topology t_;
};

}  // namespace isthmus::lab
