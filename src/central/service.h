// The Neutron wire format of central's federation core: Service reads
// Neutron's JSON bodies strictly into typed requests (request.h), hands them to
// the Federation (federation.h), and gives reads back as model JSON; the
// Neutron views (what the API answers for each kind) are here too. One file
// per resource kind: cloud_wire.cc, network_wire.cc, subnet_wire.cc,
// port_wire.cc, router_wire.cc, floating_ip_wire.cc,
// security_group_wire.cc.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "central/federation.h"

namespace isthmus::central {

class Service : public Federation {
 public:
  static Result<std::unique_ptr<Service>> Create(const std::string& db_path, ServiceOptions options);

  // The wire entry points: each reads its body (400 naming the attribute),
  // then calls the Federation's typed method of the same name.
  Result<model::Cloud> CreateCloud(const nlohmann::json& body);
  Result<model::Host> PutHost(const std::string& cloud, const std::string& host, const nlohmann::json& body);
  Result<model::Network> CreateNetwork(const nlohmann::json& body);
  Result<model::Network> UpdateNetwork(const std::string& id, const nlohmann::json& body);
  Result<model::Subnet> CreateSubnet(const nlohmann::json& body);
  Result<model::Subnet> UpdateSubnet(const std::string& id, const nlohmann::json& body);
  Result<model::Port> CreatePort(const nlohmann::json& body);
  Result<model::Port> UpdatePort(const std::string& id, const nlohmann::json& body);
  Result<model::Router> CreateRouter(const nlohmann::json& body);
  // PUT /v2.0/routers/{id}: name, description, admin_state_up, routes (the
  // whole list) and external_gateway_info (null clears it).
  Result<model::Router> UpdateRouter(const std::string& router_id, const nlohmann::json& body);
  // PUT /v2.0/routers/{id}/add_extraroutes (add) and remove_extraroutes:
  // {"router": {"routes": [...]}} (extraroute-atomic).
  Result<model::Router> ChangeExtraRoutes(const std::string& router_id, const nlohmann::json& body, bool add);
  // The body of add/remove_router_interface: subnet_id and/or port_id, each a
  // UUID's text (400 otherwise, before anything is looked up).
  static Status CheckInterfaceBody(const nlohmann::json& body);
  Result<InterfaceInfo> AddRouterInterface(const std::string& router_id, const nlohmann::json& body);
  Result<InterfaceInfo> RemoveRouterInterface(const std::string& router_id, const nlohmann::json& body);
  Result<model::FloatingIp> CreateFloatingIp(const nlohmann::json& body);
  Result<model::FloatingIp> UpdateFloatingIp(const std::string& id, const nlohmann::json& body);
  Result<model::SecurityGroup> CreateSecurityGroup(const nlohmann::json& body);
  Result<model::SecurityGroup> UpdateSecurityGroup(const std::string& id, const nlohmann::json& body);
  // Rules are created and deleted, never updated (as Neutron).
  Result<model::SecurityGroupRule> CreateSecurityGroupRule(const nlohmann::json& body);
  Result<QuotaSet> SetQuota(const std::string& project, const nlohmann::json& body);
  // The same by model type, for VisitNeutronKind (resource_kind.h): a Neutron
  // kind without them does not compile. Rules are never updated (400).
  using json = nlohmann::json;
  Result<model::Network> Create(std::type_identity<model::Network>, const json& b) { return CreateNetwork(b); }
  Result<model::Subnet> Create(std::type_identity<model::Subnet>, const json& b) { return CreateSubnet(b); }
  Result<model::Port> Create(std::type_identity<model::Port>, const json& b) { return CreatePort(b); }
  Result<model::Router> Create(std::type_identity<model::Router>, const json& b) { return CreateRouter(b); }
  Result<model::FloatingIp> Create(std::type_identity<model::FloatingIp>, const json& b) { return CreateFloatingIp(b); }
  Result<model::SecurityGroup> Create(std::type_identity<model::SecurityGroup>, const json& b) {
    return CreateSecurityGroup(b);
  }
  Result<model::SecurityGroupRule> Create(std::type_identity<model::SecurityGroupRule>, const json& b) {
    return CreateSecurityGroupRule(b);
  }
  Result<model::Network> Update(std::type_identity<model::Network>, const std::string& id, const json& b) {
    return UpdateNetwork(id, b);
  }
  Result<model::Subnet> Update(std::type_identity<model::Subnet>, const std::string& id, const json& b) {
    return UpdateSubnet(id, b);
  }
  Result<model::Port> Update(std::type_identity<model::Port>, const std::string& id, const json& b) {
    return UpdatePort(id, b);
  }
  Result<model::Router> Update(std::type_identity<model::Router>, const std::string& id, const json& b) {
    return UpdateRouter(id, b);
  }
  Result<model::FloatingIp> Update(std::type_identity<model::FloatingIp>, const std::string& id, const json& b) {
    return UpdateFloatingIp(id, b);
  }
  Result<model::SecurityGroup> Update(std::type_identity<model::SecurityGroup>, const std::string& id,
                                      const json& b) {
    return UpdateSecurityGroup(id, b);
  }
  Result<model::SecurityGroupRule> Update(std::type_identity<model::SecurityGroupRule>, const std::string&,
                                          const json&) {
    return InvalidArgument("Security group rules cannot be updated: delete the rule and create another");
  }
  // POST /v2.0/<plural> of a Neutron kind: creates from the body, answers the
  // Neutron view (of what the store holds, with the attributes Put stamps).
  Result<nlohmann::json> CreateView(Kind kind, const nlohmann::json& body);
  // PUT /v2.0/<plural>/{id}: the same for an update.
  Result<nlohmann::json> UpdateView(Kind kind, const std::string& id, const nlohmann::json& body);

  // kind: a Neutron kind's name (network, subnet, port, router, floatingip); the model JSON.
  Result<nlohmann::json> Get(const std::string& kind, const std::string& id);
  std::vector<nlohmann::json> List(const std::string& kind);
  Status Delete(const std::string& kind, const std::string& id);
  // {cloud: {"acked_seq", "pending"}}
  nlohmann::json OutboxStatus();
  // {"cloud", "applied_seq", "acked_seq", "resync"}
  Result<nlohmann::json> ReportApplied(const std::string& cloud, int64_t applied);

 private:
  Service(std::unique_ptr<CentralDb> db, ServiceOptions options) : Federation(std::move(db), options) {}
};

// The Neutron views: what the API answers for each kind (the *_wire.cc files).
nlohmann::json NetworkView(Federation& f, const model::Network& n);
nlohmann::json SubnetView(const model::Subnet& s);
nlohmann::json PortView(Federation& f, const model::Port& p);  // status: status_report.h
nlohmann::json RouterView(Federation& f, const model::Router& r);
// With Neutron's port_details (fip-port-details): its port's name, network,
// MAC, state and device, or null when it is not associated.
nlohmann::json FloatingIpView(Federation& s, const model::FloatingIp& f);
// A group's view lists its rules (security_group_rules).
nlohmann::json SecurityGroupView(Federation& f, const model::SecurityGroup& g);
nlohmann::json SecurityGroupRuleView(const model::SecurityGroupRule& r);
// The same by model type (VisitNeutronKind, lists).
inline nlohmann::json ViewOf(Federation& f, const model::Network& v) { return NetworkView(f, v); }
inline nlohmann::json ViewOf(Federation&, const model::Subnet& v) { return SubnetView(v); }
inline nlohmann::json ViewOf(Federation& f, const model::Port& v) { return PortView(f, v); }
inline nlohmann::json ViewOf(Federation& f, const model::Router& v) { return RouterView(f, v); }
inline nlohmann::json ViewOf(Federation& f, const model::FloatingIp& v) { return FloatingIpView(f, v); }
inline nlohmann::json ViewOf(Federation& f, const model::SecurityGroup& v) { return SecurityGroupView(f, v); }
inline nlohmann::json ViewOf(Federation&, const model::SecurityGroupRule& v) { return SecurityGroupRuleView(v); }
// The view of a Neutron kind's model JSON (List, Get).
nlohmann::json View(Federation& f, Kind kind, const nlohmann::json& model);

}  // namespace isthmus::central
