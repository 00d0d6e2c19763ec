// The cloud controller's core: applies central's events, registers hosts and
// gives them DVR MACs, recomputes the desired state of the hosts each change
// can affect (live_view.h) and hands it to agents waiting on it (long-poll). Thread-safe; the HTTP layer
// (api.h) and the host reporter call it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloud/cloud_db.h"
#include "cloud/desired_state.h"
#include "cloud/federation_view.h"
#include "cloud/host_patch.h"
#include "cloud/live_view.h"
#include "cloud/port_status.h"
#include "cloud/state_watchers.h"
#include "common/crypto.h"
#include "common/http.h"
#include "common/keystone_client.h"
#include "state/json_delta.h"
#include "state/state_delta.h"
#include "state/state_digest.h"

namespace isthmus::cloud {

class Controller {
 public:
  static Result<std::unique_ptr<Controller>> Create(const std::string& cloud,
                                                    const std::string& db_path,
                                                    DesiredStateOptions options,
                                                    StatusOptions status = {});

  // {"events": [...]} -> the applied sequence number. A batch that skips
  // ahead of it is Conflict (the answer then carries AppliedSeq()); a
  // snapshot replaces every resource received from central.
  Result<int64_t> ApplyEvents(const nlohmann::json& body);
  int64_t AppliedSeq();
  // {"host": {"name", "role", "vtep_ip"}} -> the host with its DVR MAC.
  Result<model::Host> RegisterHost(const nlohmann::json& body);
  // The host's state once its revision > after (nullopt after wait_ms).
  Result<std::optional<nlohmann::json>> WaitState(const std::string& host, int64_t after,
                                                  int wait_ms);
  // The same without a thread, as the JSON text served: `done` gets the state
  // once its revision > after, nullopt after wait_ms (or at shutdown), or the
  // error; from any thread. With a delta mode, the answer is what changed
  // since `after` (state/state_delta.h) when this cloud still has those
  // changes, the whole state otherwise.
  void WatchState(const std::string& host, int64_t after, int wait_ms, state::DeltaMode mode,
                  std::function<void(Result<std::optional<std::string>>)> done);
  nlohmann::json Dump();
  // A host's agent made contact (its long-poll, or its report of the revision
  // it applied): it is alive; applied, when given, is what it runs now.
  // NotFound for a host not registered here.
  Status HostContact(const std::string& host, std::optional<int64_t> applied);
  // The longest a long-poll may wait, so that live agents make contact well
  // within the agent down time.
  int MaxWaitSeconds();
  // A port's status as this cloud decided it ("" while undecided); tests.
  std::string PortStatus(const std::string& port);

  // Reports registered hosts to central until each is acknowledged, and once
  // (at start) the applied seq; returns when stop is set. Wakes on
  // registration, backs off while central is down.
  void RunReporter(const Endpoint& central, TokenSource& tokens, const bool& stop);
  void Shutdown();

 private:
  // ApplyEvents under mu_, its events committed unflushed (the caller flushes).
  Result<int64_t> ApplyEventsLocked(const std::vector<Event>& events);
  Controller(std::string cloud, std::unique_ptr<CloudDb> db, DesiredStateOptions options, StatusOptions status)
      : cloud_(std::move(cloud)),
        db_(std::move(db)),
        options_(options),
        live_(cloud_),
        statuses_(cloud_, status, StatusClock::Now()) {}
  Status Load();
  void RebuildView();  // whole, from resources_ and own_hosts_
  Status Recompute(const AffectedHosts& affected, size_t patched = 0,
                   std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now());
  state::MemberDigests MemberDigestsOf(const std::string& host, std::string_view text,
                                       const state::JsonLayout& layout,
                                       const std::vector<size_t>* edited = nullptr);
  Result<bool> RecomputeHost(const StateContext& ctx, std::vector<std::pair<std::string, StoredState>>& changed,
                             const std::string& name);
  Result<HostPatcher::Outcome> Patch(HostPatcher& patcher,
                                            std::vector<std::pair<std::string, StoredState>>& changed,
                                            const std::string& name);
  Result<bool> RegisterCheaply(const model::Host& host, bool known_before);
  Status Stage(std::vector<std::pair<std::string, StoredState>>& changed, const std::string& host,
               std::string body, std::string digest);
  Status SaveAndPublish(std::vector<std::pair<std::string, StoredState>>& changed);
  // The answer to a watcher at `after` of `host`'s state (under mu_).
  std::string Answer(const std::string& host, int64_t after, state::DeltaMode mode);
  // Keeps what changed from the host's state before to `next` (under mu_).
  void KeepDelta(const std::string& host, const StoredState& before, const StoredState& next);
  Status ReportSync(HttpSession& central, TokenSource& tokens);
  // Sends what is due of ports' statuses and hosts' liveness (port_status.h).
  Status ReportStatus(HttpSession& central, TokenSource& tokens);

  std::string cloud_;
  std::unique_ptr<CloudDb> db_;
  DesiredStateOptions options_;

  std::mutex mu_;
  std::condition_variable changed_;   // a host state changed
  std::condition_variable reported_;  // a host report is pending
  bool shutdown_ = false;
  bool sync_reported_ = false;  // central knows the applied seq (once per start)
  std::map<std::string, std::map<std::string, nlohmann::json>> resources_;
  std::map<std::string, model::Host> own_hosts_;
  LiveView live_;  // the view, kept current event by event
  std::map<std::string, std::map<std::string, int>> lvids_;
  std::map<std::string, StoredState> states_;
  // Per host, what changed at each of its last revisions (JsonDiff's text),
  // oldest first and contiguous, while smaller together than half its state.
  struct Step {
    int64_t from = 0, to = 0;
    std::string changes;
  };
  std::map<std::string, std::deque<Step>> deltas_;
  // The layout of each host's text (its top level, for JsonDiff), and of the
  // texts staged and not saved yet.
  std::map<std::string, state::JsonLayout> layouts_, staged_layouts_;
  // The delta of a staged text made by patching (HostPatcher), not to be diffed.
  std::map<std::string, std::string> staged_deltas_;
  // The digests of the members of each host's text (a changed text rehashes
  // the members that changed), and of the staged texts; the large members
  // `security_groups` texts hashed during a recompute (shared by many hosts).
  std::map<std::string, state::MemberDigests> digests_, staged_digests_;
  state::DigestMemo digest_memo_{{"\"security_groups\""}};
  int64_t revision_counter_ = 0;
  PortStatusTracker statuses_;  // ports' statuses and hosts' liveness, for central
  StateWatchers watchers_;  // last member: its destructor answers waiters while the rest exists
};

}  // namespace isthmus::cloud
