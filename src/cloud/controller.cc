#include "cloud/controller.h"

#include <chrono>
#include <set>
#include <vector>

#include "cloud/allocation.h"
#include "cloud/cloud_metrics.h"
#include "cloud/event_validation.h"
#include "cloud/host_patch.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/net.h"
#include "state/host_state_json.h"
#include "state/json_delta.h"
#include "state/state_delta.h"

namespace isthmus::cloud {

using nlohmann::json;

namespace {
// The revision Stage gives the next host staged after `changed`.
int64_t NextRevision(const std::vector<std::pair<std::string, StoredState>>& changed, int64_t counter) {
  return (changed.empty() ? counter : changed.back().second.revision) + 1;
}
}  // namespace

Result<std::unique_ptr<Controller>> Controller::Create(const std::string& cloud,
                                                       const std::string& db_path,
                                                       DesiredStateOptions options, StatusOptions status) {
  auto db = CloudDb::Open(db_path);
  if (!db.ok()) return db.status();
  std::unique_ptr<Controller> c(new Controller(cloud, std::move(*db), options, status));
  ISTHMUS_RETURN_IF_ERROR(c->Load());
  return c;
}

Status Controller::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  auto res = db_->LoadResources();
  if (!res.ok()) return res.status();
  resources_ = std::move(*res);
  auto hosts = db_->LoadOwnHosts();
  if (!hosts.ok()) return hosts.status();
  own_hosts_ = std::move(*hosts);
  for (auto& [n, h] : own_hosts_) {
    h.cloud = cloud_;
    statuses_.AddHost(n);  // unknown until its agent makes contact (or the down time passes)
  }
  auto lvids = db_->LoadLvids();
  if (!lvids.ok()) return lvids.status();
  lvids_ = std::move(*lvids);
  auto states = db_->LoadStates();
  if (!states.ok()) return states.status();
  states_ = std::move(*states);
  revision_counter_ = db_->RevisionCounter();
  for (const auto& [id, body] : resources_["port"]) statuses_.SetPort(id, &body);
  RebuildView();
  return Recompute(AffectedHosts{true, {}});
}

void Controller::RebuildView() { live_.Reset(BuildView(cloud_, resources_, own_hosts_)); }

// Saves hosts' new states together (revision and digest), in one transaction
// (one fsync), and only then publishes them: an agent never holds a revision
// the DB could lose.
Status Controller::SaveAndPublish(std::vector<std::pair<std::string, StoredState>>& changed) {
  if (changed.empty()) return Status::Ok();
  int64_t counter = changed.back().second.revision;
  if (Status saved = db_->SaveStates(changed, counter); !saved.ok()) {
    for (const auto& [name, st] : changed)  // nothing of these texts is kept
      staged_layouts_.erase(name), staged_deltas_.erase(name), staged_digests_.erase(name);
    changed.clear();
    return saved;
  }
  revision_counter_ = counter;
  for (auto& [name, st] : changed) {
    StoredState& held = states_[name];
    KeepDelta(name, held, st);
    if (auto h = staged_digests_.find(name); h != staged_digests_.end()) {
      digests_[name] = std::move(h->second);
      staged_digests_.erase(h);
    } else {
      digests_.erase(name);
    }
    held = std::move(st);
    watchers_.Publish(name, held.revision,
                      [&](int64_t after, state::DeltaMode mode) { return Answer(name, after, mode); });
  }
  changed.clear();
  changed_.notify_all();
  return Status::Ok();
}

void Controller::KeepDelta(const std::string& host, const StoredState& before, const StoredState& next) {
  constexpr size_t kMaxSteps = 16;
  std::deque<Step>& steps = deltas_[host];
  // After a restart (no text yet), there is nothing to diff from.
  // The layouts the writer recorded spare a scan of both texts (a patched text has none).
  state::JsonLayout layout;
  if (auto staged = staged_layouts_.find(host); staged != staged_layouts_.end()) {
    layout = std::move(staged->second);
    staged_layouts_.erase(staged);
  }
  state::JsonLayout& held = layouts_[host];
  Result<std::string> changes = Internal("no text");
  if (auto staged = staged_deltas_.find(host); staged != staged_deltas_.end()) {  // patched: known
    changes = std::move(staged->second);
    staged_deltas_.erase(staged);
  }
  if (before.body.empty() || before.revision <= 0) changes = Internal("no text");
  else if (!changes.ok()) changes = state::JsonDiff(before.body, held, next.body, layout);
  held = std::move(layout);
  if (!changes.ok()) {
    steps.clear();
    return;
  }
  if (!steps.empty() && steps.back().to != before.revision) steps.clear();
  steps.push_back({before.revision, next.revision, std::move(*changes)});
  size_t bytes = 0;
  for (const Step& s : steps) bytes += s.changes.size();
  while (!steps.empty() && (steps.size() > kMaxSteps || bytes > next.body.size() / 2)) {
    bytes -= steps.front().changes.size();
    steps.pop_front();
  }
}

std::string Controller::Answer(const std::string& host, int64_t after, state::DeltaMode mode) {
  const StoredState& st = states_[host];
  if (mode != state::DeltaMode::kWhole && after > 0 && after < st.revision) {
    const std::deque<Step>& steps = deltas_[host];
    for (size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].from != after) continue;
      std::vector<const std::string*> chain;
      for (size_t j = i; j < steps.size(); ++j) chain.push_back(&steps[j].changes);
      // An agent of before member digests checks the whole text's SHA-256.
      bool sha256 = mode == state::DeltaMode::kSha256 && state::IsMemberDigest(st.digest);
      std::string answer = state::DeltaAnswer(after, st.revision, sha256 ? crypto::Sha256Hex(st.body) : st.digest, chain);
      CountStateAnswer(true, answer.size());
      return answer;
    }
  }
  std::string answer = state::WithRevision(st.body, st.revision);
  CountStateAnswer(false, answer.size());
  return answer;
}

// Adds a host's new state (its text) to `changed`, under the next revision;
// saved and published up to kSaveBatch at a time.
Status Controller::Stage(std::vector<std::pair<std::string, StoredState>>& changed, const std::string& host,
                         std::string body, std::string digest) {
  constexpr size_t kSaveBatch = 64;
  int64_t revision = NextRevision(changed, revision_counter_);
  changed.push_back({host, StoredState{revision, std::move(body), std::move(digest)}});
  return changed.size() >= kSaveBatch ? SaveAndPublish(changed) : Status::Ok();
}

// Recomputes the hosts of this cloud that `affected` names, in name order,
// from one StateContext; a host whose state is unchanged keeps its revision
// and is not woken. A host whose state can change only in parts it shares
// with others has those parts patched in its text instead (HostPatcher). `patched` hosts were
// woken by a change made to their text since `start` (RegisterCheaply):
// counted with this recompute.
Status Controller::Recompute(const AffectedHosts& affected, size_t patched,
                             std::chrono::steady_clock::time_point start) {
  // Built on first use (a recompute of no host of ours costs nothing), shared by every host.
  std::optional<StateContext> ctx;
  std::optional<HostPatcher> patcher;
  size_t recomputed = 0, woken = patched, text_patched = 0;
  std::vector<std::pair<std::string, StoredState>> changed;
  digest_memo_.Clear();
  for (const auto& [name, host] : own_hosts_) {
    bool patchable = affected.Patchable(name);
    if (!patchable && !affected.Contains(name)) continue;
    if (!ctx) ctx.emplace(live_.view(), options_.dvr_mac_federation);
    if (patchable) {
      if (!patcher) patcher.emplace(*ctx, affected, live_);
      auto outcome = Patch(*patcher, changed, name);
      if (!outcome.ok()) return outcome.status();
      if (*outcome == HostPatcher::Outcome::kUnchanged) continue;
      if (*outcome == HostPatcher::Outcome::kPatched) {
        ++woken, ++text_patched;
        continue;
      }
    }
    ++recomputed;
    auto was_woken = RecomputeHost(*ctx, changed, name);
    if (!was_woken.ok()) return was_woken.status();
    woken += *was_woken;
  }
  digest_memo_.Clear();
  ISTHMUS_RETURN_IF_ERROR(SaveAndPublish(changed));
  RecordRecompute(recomputed, woken, start, text_patched);
  return Status::Ok();
}

// The member digests of a host's new text: the members it shares with its
// current text keep their digests; `security_groups` goes through the memo
// (hashed once per recompute for each distinct text).
state::MemberDigests Controller::MemberDigestsOf(const std::string& host, std::string_view text,
                                                 const state::JsonLayout& layout, const std::vector<size_t>* edited) {
  auto it = states_.find(host);
  auto held = digests_.find(host);
  auto l = layouts_.find(host);
  state::DigestedText before;
  if (it != states_.end() && held != digests_.end() && l != layouts_.end())
    before = {it->second.body, &l->second, &held->second, edited};
  return state::DigestMembers(text, layout, before, &digest_memo_);
}

// One host's state computed, written once (revision 0) and compared as text,
// then served as that text with its revision: never parsed or dumped again.
// Whether it changed (and was staged).
Result<bool> Controller::RecomputeHost(const StateContext& ctx, std::vector<std::pair<std::string, StoredState>>& changed,
                                       const std::string& name) {
  std::set<std::string> networks = HostNetworks(ctx, name);
  live_.SetHostNetworks(name, networks);
  auto lvids = AssignLvids(networks, lvids_[name]);
  if (!lvids.ok()) {
    LOG_ERROR("host " << name << ": " << lvids.status().message());
    return false;
  }
  if (*lvids != lvids_[name]) {
    ISTHMUS_RETURN_IF_ERROR(db_->SaveLvids(name, *lvids));
    lvids_[name] = *lvids;
  }
  state::HostState computed = ComputeHostState(ctx, name, *lvids);
  state::JsonLayout layout;
  auto it = states_.find(name);
  std::string body = state::DumpHostState(computed, &layout, it == states_.end() ? 0 : it->second.body.size());
  if (it != states_.end() && !it->second.body.empty() && it->second.body == body) {
    statuses_.SetWired(name, WiredPorts(computed), it->second.revision);
    return false;
  }
  state::MemberDigests parts = MemberDigestsOf(name, body, layout);
  std::string digest = parts.Digest();
  // The same as before a restart (a digest saved before member digests is the text's SHA-256).
  if (it != states_.end() && (it->second.digest == digest ||
                              (!state::IsMemberDigest(it->second.digest) && it->second.digest == crypto::Sha256Hex(body)))) {
    it->second.body = std::move(body);
    it->second.digest = std::move(digest);
    layouts_[name] = std::move(layout);
    digests_[name] = std::move(parts);
    statuses_.SetWired(name, WiredPorts(computed), it->second.revision);
    return false;
  }
  // The revision Stage gives it: its agent runs these ports once it applied that.
  statuses_.SetWired(name, WiredPorts(computed),
                     NextRevision(changed, revision_counter_));
  staged_layouts_[name] = std::move(layout);
  staged_deltas_.erase(name);  // diffed when saved
  staged_digests_[name] = std::move(parts);
  ISTHMUS_RETURN_IF_ERROR(Stage(changed, name, std::move(body), std::move(digest)));
  return true;
}

// A host whose state can change only in parts it shares (HostPatcher): those
// parts spliced into its text (its networks, ports and so what it wires do
// not change). kCannot when it must be computed.
Result<HostPatcher::Outcome> Controller::Patch(HostPatcher& patcher,
                                               std::vector<std::pair<std::string, StoredState>>& changed,
                                               const std::string& name) {
  auto it = states_.find(name);
  if (it == states_.end() || it->second.body.empty()) return HostPatcher::Outcome::kCannot;
  state::JsonLayout& layout = layouts_[name];
  if (!layout.valid) layout = state::LayoutOf(it->second.body);  // a text patched by a registration
  HostPatcher::Patch patch = patcher.Apply(name, it->second.body, layout);
  if (patch.outcome != HostPatcher::Outcome::kPatched) return patch.outcome;
  // Only the members the patch changed are hashed (a group's text once for every host).
  state::MemberDigests parts = MemberDigestsOf(name, patch.spliced.text, patch.spliced.layout, &patch.spliced.edited);
  std::string digest = parts.Digest();
  staged_digests_[name] = std::move(parts);
  int64_t revision = NextRevision(changed, revision_counter_);  // Stage's
  for (const auto& [port, wired] : patch.wired) statuses_.SetWired(name, port, wired, revision);
  staged_layouts_[name] = std::move(patch.spliced.layout);
  staged_deltas_[name] = std::move(patch.spliced.delta);
  ISTHMUS_RETURN_IF_ERROR(Stage(changed, name, std::move(patch.spliced.text), std::move(digest)));
  return HostPatcher::Outcome::kPatched;
}

// A host registering for the first time, with nothing of the view naming it
// (no port bound to it or on it, not the network node, no other cloud's host
// of that name), changes the other hosts' states only by its DVR MAC in their
// trusted_dvr_macs: that is added to their text, and only it is computed.
// False (nothing changed) when the registration can change more.
Result<bool> Controller::RegisterCheaply(const model::Host& host, bool known_before) {
  const FederationView& v = live_.view();
  auto named = [&](const auto& index) { return index.count(host.name) > 0; };
  if (known_before || v.NetworkNode(cloud_) == v.FindHost(host.name) || named(v.bound_by_host) ||
      named(v.ports_by_host) || named(v.fip_agent_ports) || named(v.hosts_on_our_networks))
    return false;
  for (const auto& [id, p] : v.ports)
    if (p.host == host.name) return false;
  std::vector<std::pair<std::string, std::string>> patched;  // host -> new text
  AffectedHosts compute{false, {host.name}};
  for (const auto& [name, h] : own_hosts_) {
    if (name == host.name) continue;
    auto it = states_.find(name);
    if (it == states_.end() || it->second.body.empty()) {
      compute.hosts.insert(name);
      continue;
    }
    auto text = state::AddTrustedDvrMac(it->second.body, host.dvr_mac);
    if (!text) return false;
    if (*text != it->second.body) patched.push_back({name, std::move(*text)});
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, StoredState>> changed;
  for (auto& [name, text] : patched) {
    staged_deltas_.erase(name);  // diffed when saved
    state::JsonLayout layout = state::LayoutOf(text);
    state::MemberDigests parts = MemberDigestsOf(name, text, layout);
    std::string digest = parts.Digest();
    staged_layouts_[name] = std::move(layout);
    staged_digests_[name] = std::move(parts);
    ISTHMUS_RETURN_IF_ERROR(Stage(changed, name, std::move(text), std::move(digest)));
  }
  digest_memo_.Clear();
  ISTHMUS_RETURN_IF_ERROR(SaveAndPublish(changed));
  ISTHMUS_RETURN_IF_ERROR(Recompute(compute, patched.size(), start));  // one recompute in the metrics
  return true;
}

// The events' commit and the states they change share one sync of the disk:
// the events are committed unflushed, and the states' commit (or Flush, when
// no state changed) makes both durable before central is told they are applied.
Result<int64_t> Controller::ApplyEvents(const json& body) {
  auto events = ParseEvents(body);
  if (!events.ok()) return events.status();
  std::lock_guard<std::mutex> lock(mu_);
  auto applied = ApplyEventsLocked(*events);
  // On every way out, errors included: nothing this cloud reports as applied
  // (here, or later in its sync report) may be short of the disk.
  Status flushed = db_->Flush();
  if (!applied.ok()) return applied;
  ISTHMUS_RETURN_IF_ERROR(flushed);
  return applied;
}

Result<int64_t> Controller::ApplyEventsLocked(const std::vector<Event>& events) {
  int64_t before = db_->AppliedSeq();
  // Every event is checked before any is stored: one bad event refuses the batch.
  if (Status st = ValidateEvents(events, resources_, before); !st.ok()) {
    LOG_ERROR("refusing a batch of " << events.size() << " events from central: " << st.message());
    return st;
  }
  auto applied = db_->ApplyEvents(events, /*flush=*/false);
  if (!applied.ok()) return applied.status();
  if (*applied == before) return applied;
  CountEventsApplied(*applied - before, *applied);
  if (events.front().kind == "snapshot" && events.front().seq > before) {
    // Replaced whole (and the events after it applied): read back what the DB holds.
    auto res = db_->LoadResources();
    if (!res.ok()) return res.status();
    for (const auto& [id, body] : resources_["port"])
      if (!(*res)["port"].count(id)) statuses_.SetPort(id, nullptr);
    resources_ = std::move(*res);
    for (const auto& [id, body] : resources_["port"]) statuses_.SetPort(id, &body);
    LOG_INFO("applied a snapshot from central at seq " << events.front().seq << " (was at seq " << before
                                                       << ")");
    RebuildView();
    ISTHMUS_RETURN_IF_ERROR(Recompute(AffectedHosts{true, {}}));
    return applied;
  }
  // Each event changes the view in place and names the hosts it can change.
  AffectedHosts affected;
  for (const auto& e : events) {
    if (e.seq <= before) continue;
    if (e.op == "upsert") resources_[e.kind][e.id] = e.body;
    else resources_[e.kind].erase(e.id);
    if (e.kind == "port") statuses_.SetPort(e.id, e.op == "upsert" ? &e.body : nullptr);
    affected.Merge(live_.Apply(e.kind, e.op, e.id, e.body));
  }
  ISTHMUS_RETURN_IF_ERROR(Recompute(affected));
  return applied;
}

Result<model::Host> Controller::RegisterHost(const json& body) {
  if (!body.is_object() || !body.contains("host") || !body["host"].is_object())
    return InvalidArgument("expected {\"host\": {\"name\", \"role\", \"vtep_ip\"}}");
  const json& h = body["host"];
  for (const char* key : {"name", "role", "vtep_ip"})
    if (!h.contains(key) || !h[key].is_string() || h[key].get<std::string>().empty())
      return InvalidArgument(std::string("host.") + key + " must be a non-empty string");
  model::Host host;
  host.name = h["name"];
  host.role = h["role"];
  host.vtep_ip = h["vtep_ip"];
  host.cloud = cloud_;
  // The name goes into central's URL (PUT /v2.0/clouds/{cloud}/hosts/{name})
  // and into OVS and namespace names: a hostname's characters only. A name
  // central cannot take would never be reported, and would hold up the
  // reports of every host after it.
  if (!IsValidHostName(host.name))
    return InvalidArgument("host.name must be at most 64 letters, digits, '.', '-' or '_'");
  if (host.role != "compute" && host.role != "network")
    return InvalidArgument("host.role must be compute or network, not '" + host.role + "'");
  if (!Ipv4::Parse(host.vtep_ip).ok())
    return InvalidArgument("host.vtep_ip '" + host.vtep_ip + "' is not an IPv4 address");
  std::lock_guard<std::mutex> lock(mu_);
  auto self = live_.view().clouds.find(cloud_);
  if (self == live_.view().clouds.end() || self->second.dvr_mac_prefix.empty())
    return Unavailable("cloud " + cloud_ + " has no DVR MAC prefix from central yet");
  auto existing = own_hosts_.find(host.name);
  if (existing != own_hosts_.end()) {
    host.dvr_mac = existing->second.dvr_mac;
  } else {
    std::set<std::string> used;
    for (const auto& [n, o] : own_hosts_) used.insert(o.dvr_mac);
    auto mac = AllocateDvrMac(self->second.dvr_mac_prefix, used);
    if (!mac.ok()) return mac.status();
    host.dvr_mac = *mac;
  }
  statuses_.Started(host.name, StatusClock::Now());  // an agent registers when it starts
  if (existing == own_hosts_.end() || existing->second.vtep_ip != host.vtep_ip ||
      existing->second.role != host.role) {
    ISTHMUS_RETURN_IF_ERROR(db_->SaveOwnHost(host));
    bool known_before = existing != own_hosts_.end() || live_.view().hosts.count(host.name) > 0;
    own_hosts_[host.name] = host;
    LOG_INFO("host " << host.name << " (" << host.role << ", VTEP " << host.vtep_ip
                     << ") registered with DVR MAC " << host.dvr_mac);
    AffectedHosts affected = live_.SetOwnHost(host);
    auto cheap = RegisterCheaply(host, known_before);
    if (!cheap.ok()) return cheap.status();
    if (!*cheap) ISTHMUS_RETURN_IF_ERROR(Recompute(affected));
    reported_.notify_all();
  }
  return host;
}

Result<std::optional<json>> Controller::WaitState(const std::string& host, int64_t after,
                                                  int wait_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!own_hosts_.count(host)) return NotFound("host " + host + " is not registered in " + cloud_);
  auto ready = [&] {
    auto it = states_.find(host);
    return shutdown_ || (it != states_.end() && it->second.revision > after && !it->second.body.empty());
  };
  changed_.wait_for(lock, std::chrono::milliseconds(wait_ms), ready);
  auto it = states_.find(host);
  if (it == states_.end() || it->second.revision <= after || it->second.body.empty()) return std::optional<json>();
  return std::optional<json>(json::parse(state::WithRevision(it->second.body, it->second.revision)));
}

json Controller::Dump() {
  std::lock_guard<std::mutex> lock(mu_);
  json d = {{"cloud", cloud_},
            {"applied_seq", db_->AppliedSeq()},
            {"revision", revision_counter_},
            {"dvr_mac_federation", options_.dvr_mac_federation}};
  for (const auto& [kind, items] : resources_) {
    d["resources"][kind] = items.size();
    d["resource_ids"][kind] = json::array();
    for (const auto& [id, body] : items) d["resource_ids"][kind].push_back(id);
  }
  for (const auto& [name, h] : own_hosts_) {
    d["hosts"][name] = h;
    auto it = states_.find(name);
    d["hosts"][name]["revision"] = it == states_.end() ? 0 : it->second.revision;
    d["hosts"][name]["lvids"] = lvids_[name];
    auto alive = statuses_.Alive(name);
    d["hosts"][name]["alive"] = alive ? nlohmann::json(*alive) : nlohmann::json(nullptr);
  }
  return d;
}

void Controller::WatchState(const std::string& host, int64_t after, int wait_ms, state::DeltaMode mode,
                            std::function<void(Result<std::optional<std::string>>)> done) {
  std::optional<std::string> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!own_hosts_.count(host)) return done(NotFound("host " + host + " is not registered in " + cloud_));
    auto it = states_.find(host);
    if (it != states_.end() && it->second.revision > after && !it->second.body.empty()) {
      ready = Answer(host, after, mode);
    } else if (!shutdown_ && wait_ms > 0) {
      // Registered under mu_: a Recompute cannot publish between the check and this.
      watchers_.Add(host, after, mode, StateWatchers::Clock::now() + std::chrono::milliseconds(wait_ms),
                    [done](std::optional<std::string> s) { done(std::move(s)); });
      return;
    }
  }
  done(std::move(ready));
}

void Controller::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  changed_.notify_all();
  reported_.notify_all();
}

int64_t Controller::AppliedSeq() {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->AppliedSeq();
}

Status Controller::HostContact(const std::string& host, std::optional<int64_t> applied) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!own_hosts_.count(host)) return NotFound("host " + host + " is not registered in " + cloud_);
  statuses_.Contact(host, applied, StatusClock::Now());
  return Status::Ok();
}

int Controller::MaxWaitSeconds() {
  std::lock_guard<std::mutex> lock(mu_);
  return statuses_.max_wait_seconds();
}

std::string Controller::PortStatus(const std::string& port) {
  std::lock_guard<std::mutex> lock(mu_);
  return statuses_.Status(port);
}

}  // namespace isthmus::cloud
