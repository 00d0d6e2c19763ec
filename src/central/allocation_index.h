// Central's allocation indexes, kept by the Store as ports are merged: MAC ->
// port (global) and, per subnet, who holds each address with the held
// addresses as maximal runs, so a free address is found in O(log n). A
// SubnetIpsInUse overlays one change's ports (and an allocation's own picks).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "model/resources.h"

namespace isthmus::central {

class AllocationIndex {
 public:
  // One port holding one address of a subnet.
  struct Holder {
    std::string port_id, cloud;
    bool router_interface = false;
  };

  // A port written: before (nullptr: new), after (nullptr: deleted).
  void Update(const model::Port* before, const model::Port* after);
  // Every port's writes of a change (key -> new value, nullopt: deleted) over `ports` as they were.
  void Merge(const std::map<std::string, model::Port>& ports,
             const std::map<std::string, std::optional<model::Port>>& writes);
  void Rebuild(const std::map<std::string, model::Port>& ports);

  // The port holding a MAC (canonical text), nullptr if none.
  const std::string* MacHolder(const std::string& mac) const;
  // The ports holding an address of a subnet (empty if none).
  const std::vector<Holder>& Holders(const std::string& subnet_id, uint32_t ip) const;
  // The lowest address in [from, to] that no port holds.
  std::optional<uint32_t> FirstFree(const std::string& subnet_id, uint32_t from, uint32_t to) const;
  // Addresses of the subnet held by a router interface (the anycast gateways: few).
  const std::set<uint32_t>& RouterIps(const std::string& subnet_id) const;

  // For tests: the same content (a rebuild from scratch compares equal).
  bool operator==(const AllocationIndex& o) const;

 private:
  struct SubnetUse {
    std::unordered_map<uint32_t, std::vector<Holder>> holders;
    std::map<uint32_t, uint32_t> runs;  // held addresses: first -> last, maximal
    std::map<uint32_t, int> router_ips;  // address -> router interfaces holding it
  };
  void Hold(const std::string& subnet_id, uint32_t ip, const Holder& h);
  void Release(const std::string& subnet_id, uint32_t ip, const std::string& port_id);

  std::unordered_map<std::string, std::string> macs_;  // MAC -> port id
  std::unordered_map<std::string, SubnetUse> subnets_;
};

// The addresses of one subnet in use as a change sees them: the index, less
// the ports the change rewrote or deleted, plus the change's ports and the
// addresses an allocation took so far. With `cloud` set, router interfaces
// of other clouds do not count (an anycast gateway is shared across clouds).
class SubnetIpsInUse {
 public:
  SubnetIpsInUse(const AllocationIndex& index, std::string subnet_id, std::string cloud)
      : index_(index), subnet_(std::move(subnet_id)), cloud_(std::move(cloud)) {}
  // A port's addresses in this subnet count (+1) or no longer count (-1).
  void Count(const model::Port& p, int delta);
  void Take(uint32_t ip) { ++delta_[ip]; }
  bool Held(uint32_t ip) const;
  // The lowest address of the pools (in their order) not held; Conflict when none is left.
  Result<std::string> NextFree(const std::vector<model::AllocationPool>& pools,
                               const std::string& network_name) const;

 private:
  int BaseCount(uint32_t ip) const;
  std::optional<uint32_t> FirstFreeIn(uint32_t from, uint32_t to) const;
  const AllocationIndex& index_;
  std::string subnet_, cloud_;
  std::map<uint32_t, int> delta_;
};

}  // namespace isthmus::central
