// Central's federation core, typed (no JSON in its signatures): validates
// requests against the federation's state, allocates (VNIs, MACs, IPs, cloud
// indexes) and commits each change with the events that carry it to the
// clouds that receive it (resource_store.h: the fan-out rule; central_db.h).
// One file per resource kind implements its part (cloud.cc, network.cc,
// subnet.cc, port.cc, router.cc, floating_ip.cc); the Neutron wire format is
// Service's (service.h). Thread-safe: one mutex serialises validation and
// staging; staged changes commit together (group commit, Apply) and each
// request answers only once its change is durable. A refused request changes
// nothing; a failed commit undoes every change staged with or after it.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "central/central_db.h"
#include "central/cloud.h"
#include "central/floating_ip.h"
#include "central/network.h"
#include "central/port.h"
#include "central/quota.h"
#include "central/resource_store.h"
#include "central/router.h"
#include "central/security_group.h"
#include "central/status_store.h"
#include "central/subnet.h"
#include "central/tags.h"
#include "common/net.h"
#include "model/resources.h"

namespace isthmus::central {

// The first line of every public Federation method that commits: the method
// runs on a cache caught up with the other replicas of central, and runs again
// from its start (validation included) when its commit found that another
// replica committed first, at most kStaleRetries times (replica.cc;
// docs/architecture.md, "Replicas"). Nothing happens on SQLite.
#define ISTHMUS_FRESH(call) \
  if (!retrying_) return RetryWhenStale([&] { return call; })

// A fresh resource id (a random UUID, version 4).
std::string NewUuid();

struct ServiceOptions {
  int vni_min = 1000;
  int vni_max = 1999;
};

class Federation {
 public:
  // cloud.cc
  Result<model::Cloud> CreateCloud(const CloudCreate& req);
  std::vector<model::Cloud> ListClouds();
  Result<model::Cloud> GetCloud(const std::string& name);
  Status DeleteCloud(const std::string& name);
  Result<model::Host> PutHost(const std::string& cloud, const std::string& host, const HostReport& report);
  std::vector<model::Host> ListHosts();

  // network.cc, subnet.cc, port.cc, router.cc, floating_ip.cc
  Result<model::Network> CreateNetwork(const NetworkCreate& req);
  Result<model::Network> UpdateNetwork(const std::string& id, const NetworkUpdate& req);
  Result<model::Subnet> CreateSubnet(const SubnetCreate& req);
  Result<model::Subnet> UpdateSubnet(const std::string& id, const SubnetUpdate& req);
  Result<model::Port> CreatePort(const PortCreate& req);
  Result<model::Port> UpdatePort(const std::string& id, const PortUpdate& req);
  Result<model::Router> CreateRouter(const RouterCreate& req);
  Result<model::Router> UpdateRouter(const std::string& router_id, const RouterUpdate& req);
  Result<InterfaceInfo> AddRouterInterface(const std::string& router_id, const std::string& subnet_id);
  Result<InterfaceInfo> AddRouterInterfacePort(const std::string& router_id, const std::string& port_id);
  // Exactly one of subnet_id and port_id is non-empty.
  Result<InterfaceInfo> RemoveRouterInterface(const std::string& router_id, const std::string& subnet_id,
                                              const std::string& port_id);
  // extraroute-atomic (router_routes.cc): routes added to (or removed from)
  // the router's extra routes, as one change; ones already there (or absent) are no-ops.
  Result<model::Router> ChangeExtraRoutes(const std::string& router_id, const std::vector<model::HostRoute>& routes,
                                          bool add);
  Result<model::FloatingIp> CreateFloatingIp(const FloatingIpCreate& req);
  Result<model::FloatingIp> UpdateFloatingIp(const std::string& id, const FloatingIpUpdate& req);
  // security_group.cc. A project's default group is made on first need: its
  // first group list or group, network or port (as Neutron makes it).
  Result<model::SecurityGroup> CreateSecurityGroup(const SecurityGroupCreate& req);
  Result<model::SecurityGroup> UpdateSecurityGroup(const std::string& id, const SecurityGroupUpdate& req);
  // The rule as given (no id), checked (NormaliseRule, its groups, duplicates).
  Result<model::SecurityGroupRule> CreateSecurityGroupRule(const model::SecurityGroupRule& wanted);
  Status EnsureDefaultSecurityGroup(const std::string& project);
  std::vector<model::SecurityGroupRule> RulesOf(const std::string& group_id);
  // Any Neutron kind (with what goes with it: a network's subnets, DHCP and fg- ports, ...).
  Status Delete(Kind kind, const std::string& id);
  // tags.cc: a taggable kind's resource's tags changed (a new revision when
  // they differ); its tags after the change.
  Result<std::vector<std::string>> ChangeTags(Kind kind, const std::string& id, const TagChange& change);

  // Reads of the cache.
  template <typename T>
  std::optional<T> Find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = store_.All<T>().find(key);
    return it == store_.All<T>().end() ? std::nullopt : std::optional<T>(it->second);
  }
  template <typename T>
  std::vector<T> All() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<T> out;
    for (const auto& [key, v] : store_.All<T>()) out.push_back(v);
    return out;
  }
  // A batch of a list (listing.cc): up to `max` resources from the source
  // (list_index.h), in id order, after `after`. Lists walk the cache in batches.
  template <typename T>
  std::vector<T> ListBatch(const IdSource& source, const std::string& after, bool descending, size_t max) {
    std::lock_guard<std::mutex> lock(mu_);
    return Walk<T>(store_, source, after, descending, max);
  }
  // Subnet ids of a network (for its Neutron view).
  std::vector<std::string> SubnetsOf(const std::string& network_id);
  // The router's network:router_gateway port, if it has a gateway.
  std::optional<model::Port> GatewayPort(const std::string& router_id);

  // Quotas (quota.cc): a project's limits (defaults overlaid with its own),
  // every project set apart from the defaults, an update (merges into what is
  // set) and a delete (back to the defaults).
  QuotaSet QuotaOf(const std::string& project);
  std::map<std::string, QuotaSet> ListQuotas();
  Result<QuotaSet> SetQuota(const std::string& project, const QuotaSet& update);
  Status DeleteQuota(const std::string& project);

  // Outbox access for the pusher. Pending events start at the newest pending
  // snapshot, if any: it covers every event before it.
  Result<std::vector<OutboxEvent>> PendingEvents(const std::string& cloud, int limit);
  Status AckEvents(const std::string& cloud, int64_t seq);
  struct OutboxCounts {
    int64_t acked_seq = 0, pending = 0;
  };
  std::map<std::string, OutboxCounts> OutboxCountsByCloud();
  // Blocks until events were queued after version `seen` (or timeout, or
  // shutdown); returns the current version. The pushers' wake-up.
  uint64_t WaitForEvents(uint64_t seen, int timeout_ms);
  bool shutting_down();
  // Sleeps up to ms, waking only for shutdown (the pushers' backoff).
  void Pause(int ms);
  void Shutdown();
  // Replicas (replica.cc): brings the cache up to what other replicas
  // committed to the database, then wakes the pushers. Cheap when nothing
  // changed. The follower (replica_follower.h) calls it on every notification.
  Status CatchUp();
  bool replicated() const { return db_->replicated(); }
  const std::string& db_location() const { return db_->location(); }
  // Ports' statuses and hosts' liveness as the clouds report them (status_store.h); null until set.
  StatusStore* statuses() { return statuses_.get(); }
  void UseStatusStore(std::unique_ptr<StatusStore> store) { statuses_ = std::move(store); }
  // Tests: runs inside every commit's transaction (CentralDb::SetCommitHook).
  void SetCommitHookForTest(std::function<Status()> hook) { db_->SetCommitHook(std::move(hook)); }

  // Resync (snapshot.cc): a cloud that holds less (or other) than central
  // acknowledged gets every resource it should hold as one snapshot event at
  // its next cloud_seq, above `cloud_applied` (the seq the cloud reports).
  // Returns the snapshot's cloud_seq (an already pending one above
  // cloud_applied is reused).
  Result<int64_t> QueueSnapshot(const std::string& cloud, int64_t cloud_applied);
  // A cloud reports its applied seq (when it starts): a snapshot is queued
  // when it is behind central's acked_seq or beyond the last event central made for it.
  struct SyncReport {
    std::string cloud;
    int64_t applied_seq = 0, acked_seq = 0;
    bool resync = false;
  };
  Result<SyncReport> ReportAppliedSeq(const std::string& cloud, int64_t applied);

  // Admin (federation_admin.cc). Jobs are the outbox rows, kept after acknowledgement.
  // The pusher marks a batch [first, last] of a cloud's pending events.
  Status StartJobs(const std::string& cloud, int64_t first, int64_t last);  // RUNNING
  Status FailJobs(const std::string& cloud, int64_t first, int64_t last, const std::string& error);
  Result<std::vector<Job>> ListJobs(const JobFilter& filter);
  Result<Job> GetJob(int64_t seq);
  // Queues a new event (new seq, same cloud) with the resource's current state:
  // an upsert of its model JSON, or a delete if it is gone (or no longer goes to that cloud).
  Result<Job> RedoJob(int64_t seq);
  // One per (resource, cloud it is pushed to); bottom_id == top_id (clouds keep central's IDs).
  struct Routing {
    std::string top_id, bottom_id, cloud, resource_type, status;  // status: synced or pending
  };
  // Empty filters match everything.
  Result<std::vector<Routing>> ListRoutings(const std::string& cloud, const std::string& resource_type,
                                            const std::string& top_id);

 protected:
  Federation(std::unique_ptr<CentralDb> db, ServiceOptions options) : db_(std::move(db)), options_(options) {}
  Status Load();

 private:
  // The one commit path, called with mu_ held (a lock_guard of the caller's):
  // stages c (merges it into the cache, keeping what it replaced), then waits,
  // mu_ released, until the transaction holding c.m (resource and quota rows
  // with their events) is durable. Staged changes commit together, in staging
  // order, in one transaction run by whichever waiting request finds none
  // running (the leader); the pushers are woken after it. If it fails, every
  // change staged with or after it is undone, newest first, and each returns
  // the error. Other requests may read a staged change before its commit.
  Status Apply(Change& c);
  void CommitStagedLocked(std::unique_lock<std::mutex>& lock, uint64_t own_ticket);  // the leader's part
  void UndoStagedLocked(const Status& st);  // every staged change, newest first; each fails with st
  // Waits (mu_ held by the caller's lock_guard) until no change is staged.
  void WaitUntilDurableLocked();
  void WakePushers();  // events were queued (Apply, or a snapshot appended)

  // Replicas (replica.cc). retrying_: this thread is inside RetryWhenStale.
  static constexpr int kStaleRetries = 40;
  static void BackOff(int attempt);  // sleeps 0 .. min(2^attempt, 64) ms, random
  static thread_local bool retrying_;
  template <typename F>
  auto RetryWhenStale(F&& op) -> decltype(op()) {
    retrying_ = true;
    // Behind the database but busy committing: run on the cache as it is (a
    // commit over stale state is caught by the fence and retried), and catch
    // up and run again only if the request is refused (it may have missed
    // what another replica just made).
    auto behind = CatchUpIfBehind(/*wait=*/false);
    bool unsure = behind.ok() && *behind;
    for (int attempt = 1;; ++attempt) {
      if (!behind.ok()) {
        retrying_ = false;
        return behind.status();
      }
      auto r = op();
      const Status& st = StatusOf(r);
      const bool again = IsStale(st) || (unsure && !st.ok());
      if (attempt >= kStaleRetries || !again) {
        retrying_ = false;
        if (owed_epoch_) {  // ends without staging again: the leader need not wait for it
          std::lock_guard<std::mutex> lock(mu_);
          SettleRestageLocked();
        }
        return r;
      }
      // A request failed as Stale by a leader runs on what that leader caught
      // up and joins its batch: it must not wait for it. One failed by
      // another fence (a snapshot's) catches up first.
      const bool stale = IsStale(st);
      // Both replicas busy: a request overtaken again and again backs off a
      // random while (up to 64 ms), so the replica overtaking it finishes and
      // this one's next batch wins the fence (without it, 8 writers through two
      // replicas saw a request lose 20 times in a row).
      if (stale && attempt >= 3) BackOff(attempt);
      behind = CatchUpIfBehind(/*wait=*/!stale);
      unsure = stale && behind.ok() && *behind;
    }
  }
  static const Status& StatusOf(const Status& s) { return s; }
  template <typename T>
  static const Status& StatusOf(const Result<T>& r) { return r.status(); }
  // Catches up when the database is at a newer revision than the cache (mu_
  // not held). Without wait, only if nothing is staged or committing; true
  // if the cache is still behind.
  Result<bool> CatchUpIfBehind(bool wait);
  // mu_ held, nothing staged or committing.
  Status CatchUpLocked();
  Status MergeChangesLocked(const ReplicaChanges& up);  // into the cache, mu_ held
  Status ReloadLocked();  // the log no longer reaches this cache's revision

  // snapshot.cc: every resource the cloud should hold, by the fan-out rule, as
  // the snapshot event's body {"resources": {kind: {id: model JSON}}}. Needs mu_.
  nlohmann::json SnapshotBody(const std::string& cloud) const;
  Result<int64_t> QueueSnapshotLocked(const std::string& cloud, int64_t cloud_applied);
  QuotaSet QuotaOfLocked(const std::string& project) const;
  int64_t UsageLocked(const std::string& resource, const std::string& project, int64_t cap) const;
  // OverQuota (409) if the project may not create one more of resource. Caller holds mu_.
  Status CheckQuotaLocked(const std::string& resource, const std::string& project) const;
  // What still holds a cloud, for DeleteCloud's refusal ("" if nothing; cloud.cc).
  std::string CloudHoldings(const std::string& name) const;
  std::vector<std::string> CloudsOfNetwork(const std::string& network_id) const;
  // network.cc: the lowest VNI no network holds (409 when none is left), and
  // a network's router:external changed (NetworkUpdate::external).
  Result<int> FreeVniLocked() const;
  Status SetExternalLocked(Change& c, model::Network& n, bool external);
  // The deletes of each kind by model type (Delete: VisitNeutronKind), with mu_ held.
  Status DeleteLocked(std::type_identity<model::Network>, const std::string& id);
  Status DeleteLocked(std::type_identity<model::Subnet>, const std::string& id);
  Status DeleteLocked(std::type_identity<model::Port>, const std::string& id);
  Status DeleteLocked(std::type_identity<model::Router>, const std::string& id);
  Status DeleteLocked(std::type_identity<model::FloatingIp>, const std::string& id);
  Status DeleteLocked(std::type_identity<model::SecurityGroup>, const std::string& id);
  Status DeleteLocked(std::type_identity<model::SecurityGroupRule>, const std::string& id);
  // security_group.cc: the project's default group as c sees it, and its id,
  // made into c (with its rules) if there is none.
  std::optional<model::SecurityGroup> DefaultGroupNow(const Change& c, const std::string& project) const;
  std::string DefaultGroupLocked(Change& c, const std::string& project);
  std::vector<model::SecurityGroupRule> RulesOfLocked(const std::string& group_id) const;
  // A port's port security, groups (each must exist: 404) and allowed address
  // pairs (a pair's MAC defaults to the port's) set from `want`, then checked
  // together: groups or pairs with port security off are a conflict (409).
  Status SetPortSecurity(Change& c, model::Port& p, const PortSecurity& want);

  // Reads through and writes into a Change (resource_store.h), with their events.
  template <typename F>
  void EachPort(const Change& c, F&& f) const { Each<model::Port>(store_, c, f); }
  std::vector<model::Port> PortsNow(const Change& c) const { return AllNow<model::Port>(store_, c); }
  std::vector<model::FloatingIp> FipsNow(const Change& c) const { return AllNow<model::FloatingIp>(store_, c); }
  std::optional<model::Subnet> SubnetNow(const Change& c, const std::string& id) const {
    return Now<model::Subnet>(store_, c, id);
  }
  std::optional<model::Port> PortNow(const Change& c, const std::string& id) const {
    return Now<model::Port>(store_, c, id);
  }
  template <typename T>
  void Put(Change& c, const T& v) { central::Put(store_, c, v); }
  template <typename T>
  void Drop(Change& c, const std::string& key) { central::Drop<T>(store_, c, key); }

  // port.cc: allocation, from the store's indexes (allocation_index.h) seen
  // through c. IPs of a subnet held by ports; `cloud` non-empty: router
  // interfaces of other clouds do not count (an anycast gateway is shared across clouds).
  SubnetIpsInUse UsedIps(const Change& c, const std::string& subnet_id, const std::string& cloud) const;
  bool MacInUse(const Change& c, const std::string& mac) const;
  // What any interface of a router on a subnet needs (router.cc).
  Status CheckInterfaceSubnet(const model::Router& r, const std::string& subnet_id) const;
  // Neutron's checks of a router's extra routes (router_routes.cc): at most
  // kMaxRouterRoutes, each nexthop inside the subnet of one of its interfaces
  // and none of their addresses (400).
  Status CheckExtraRoutes(const model::Router& r, const std::vector<model::HostRoute>& routes) const;
  // 409 while one of the router's extra routes has its nexthop on the subnet.
  Status CheckNoRouteNeeds(const model::Router& r, const std::string& subnet_id) const;
  // A subnet's DHCP addresses, one per cloud of its network (subnet.cc).
  Status AddDhcpAddresses(Change& c, const model::Network& net, const std::string& subnet_id);
  void DropDhcpAddresses(Change& c, const std::string& subnet_id);
  Status CheckNewGateway(const model::Subnet& s, const std::string& gateway) const;
  // A port update's new MAC and fixed IPs (port.cc), checked and allocated into p.
  Status ChangeMac(const Change& c, model::Port& p, const std::string& mac) const;
  Status ChangeFixedIps(const Change& c, model::Port& p, const WantedIps& wanted) const;
  std::string NewMac(const Change& c) const;  // random, checked against MacInUse
  // Fixed IPs for a new port on `net`: the wanted ones (validated, free), or with
  // none wanted the first free address of the network's first subnet with room.
  Result<std::vector<model::FixedIp>> AllocateIps(const Change& c, const model::Network& net,
                                                  WantedIps wanted) const;
  // A port of central's own (DHCP, gateway, SNAT, floating IP, fg) with fresh MAC and IPs.
  Result<model::Port> InfraPort(const Change& c, const model::Network& net, const std::string& owner,
                                const std::string& device_id, const std::string& cloud,
                                const std::string& host, const std::string& project, WantedIps wanted) const;
  // router.cc
  Status AddSnatPort(Change& c, const model::Router& r, const std::string& subnet_id);
  Status SetGateway(Change& c, model::Router& r, const GatewayRequest& g);
  // floating_ip.cc
  Status Associate(Change& c, model::FloatingIp& f, const std::string& port_id, const std::string& fixed_ip);

  std::unique_ptr<CentralDb> db_;
  std::unique_ptr<StatusStore> statuses_;
  ServiceOptions options_;
  std::mutex mu_;
  std::condition_variable events_;
  bool shutdown_ = false;
  uint64_t events_version_ = 0;
  Store store_;  // every resource; the references below are its maps
  std::map<std::string, model::Cloud>& clouds_ = store_.All<model::Cloud>();
  std::map<std::string, model::Host>& hosts_ = store_.All<model::Host>();
  std::map<std::string, model::Network>& networks_ = store_.All<model::Network>();
  std::map<std::string, model::Subnet>& subnets_ = store_.All<model::Subnet>();
  std::map<std::string, model::Port>& ports_ = store_.All<model::Port>();
  std::map<std::string, model::Router>& routers_ = store_.All<model::Router>();
  std::map<std::string, model::FloatingIp>& floatingips_ = store_.All<model::FloatingIp>();
  std::map<std::string, int64_t> acked_;                 // cloud -> the seq it acknowledged
  std::map<std::string, QuotaSet> quotas_;  // project -> limits set apart from the defaults

  // Group commit (Apply): changes in the cache whose transaction is not done.
  struct Staged {
    uint64_t ticket = 0;
    Mutation m;   // moved into the batch when its commit starts
    Change undo;  // the cache's values it replaced (nullopt: it added them)
    std::vector<std::pair<std::string, std::optional<QuotaSet>>> quotas_before;
  };
  std::deque<Staged> staged_;
  uint64_t tickets_ = 0, durable_through_ = 0;  // tickets up to durable_through_ are committed
  std::map<uint64_t, Status> failed_;           // tickets of an undone batch -> the error
  bool committing_ = false;
  std::condition_variable durable_;
  // Replicas: requests failed as Stale by a leader holding the revision lock,
  // which waits (at most kRestageWaitMs) until each staged again (replica.cc).
  static constexpr int kRestageWaitMs = 100;
  std::map<uint64_t, uint64_t> restage_owed_;  // failed ticket -> epoch
  uint64_t stale_epoch_ = 0;
  size_t restaging_ = 0;
  std::condition_variable restaged_;
  static thread_local uint64_t owed_epoch_;  // this thread's request is to stage again (0: no)
  void SettleRestageLocked();                // it did, or ended without
};

}  // namespace isthmus::central
