// Central's logic: validates requests, allocates (VNIs, MACs, IPs, cloud
// indexes), and commits each change together with the events that carry it to
// the affected clouds (central_db.h). Thread-safe: one mutex serialises
// mutations; the cache is updated only after a commit succeeded, so a refused
// or failed request changes nothing.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "central/central_db.h"
#include "model/resources.h"

namespace isthmus::central {

struct ServiceOptions {
  int vni_min = 1000;
  int vni_max = 1999;
};

struct InterfaceInfo {
  std::string router_id, subnet_id, port_id, network_id, project_id;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> Create(const std::string& db_path, ServiceOptions options);

  Result<model::Cloud> CreateCloud(const nlohmann::json& body);
  std::vector<model::Cloud> ListClouds();
  Result<model::Cloud> GetCloud(const std::string& name);
  Status DeleteCloud(const std::string& name);
  Result<model::Host> PutHost(const std::string& cloud, const std::string& host,
                              const nlohmann::json& body);
  std::vector<model::Host> ListHosts();

  Result<model::Network> CreateNetwork(const nlohmann::json& body);
  Result<model::Subnet> CreateSubnet(const nlohmann::json& body);
  Result<model::Port> CreatePort(const nlohmann::json& body);
  Result<model::Router> CreateRouter(const nlohmann::json& body);
  Result<InterfaceInfo> AddRouterInterface(const std::string& router_id, const nlohmann::json& body);
  Result<InterfaceInfo> RemoveRouterInterface(const std::string& router_id,
                                              const nlohmann::json& body);

  // kind: network, subnet, port, router.
  Result<nlohmann::json> Get(const std::string& kind, const std::string& id);
  std::vector<nlohmann::json> List(const std::string& kind);
  Status Delete(const std::string& kind, const std::string& id);
  // Subnet ids of a network (for its Neutron view).
  std::vector<std::string> SubnetsOf(const std::string& network_id);

  // Outbox access for the pusher.
  Result<std::vector<OutboxEvent>> PendingEvents(const std::string& cloud, int limit);
  Status AckEvents(const std::string& cloud, int64_t seq);
  nlohmann::json OutboxStatus();
  // Blocks until events were queued after version `seen` (or timeout, or
  // shutdown); returns the current version. The pushers' wake-up.
  uint64_t WaitForEvents(uint64_t seen, int timeout_ms);
  bool shutting_down();
  // Sleeps up to ms, waking only for shutdown (the pushers' backoff).
  void Pause(int ms);
  void Shutdown();

 private:
  Service(std::unique_ptr<CentralDb> db, ServiceOptions options)
      : db_(std::move(db)), options_(options) {}
  Status Load();
  Status Commit(Mutation& m);  // then the caller updates the cache
  void Emit(Mutation& m, const std::string& kind, const std::string& op, const std::string& id,
            const nlohmann::json& body, const std::vector<std::string>& clouds);
  std::vector<std::string> AllClouds() const;
  std::vector<std::string> CloudsOfNetwork(const std::string& network_id) const;
  std::set<uint32_t> UsedIps(const std::string& subnet_id, const std::string& cloud) const;
  std::string NewMac();
  Status DeletePortLocked(const std::string& id, Mutation& m);

  std::unique_ptr<CentralDb> db_;
  ServiceOptions options_;
  std::mutex mu_;
  std::condition_variable events_;
  bool shutdown_ = false;
  uint64_t events_version_ = 0;
  std::map<std::string, CloudRow> clouds_;
  std::map<std::string, model::Host> hosts_;
  std::map<std::string, model::Network> networks_;
  std::map<std::string, model::Subnet> subnets_;
  std::map<std::string, model::Port> ports_;
  std::map<std::string, model::Router> routers_;
};

}  // namespace isthmus::central
