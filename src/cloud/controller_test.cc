#include "cloud/controller.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "common/crypto.h"
#include "common/sqlite.h"
#include "state/host_state_json.h"
#include "state/state_delta.h"

namespace isthmus::cloud {
namespace {

using nlohmann::json;

std::string TempDb() {
  static int n = 0;
  std::string p = "/tmp/isthmus_cloud_test_" + std::to_string(getpid()) + "_" + std::to_string(n++) + ".db";
  unlink(p.c_str());
  return p;
}

json CloudEvent(int64_t seq) {
  return {{"seq", seq}, {"kind", "cloud"}, {"op", "upsert"}, {"id", "cloud1"},
          {"body", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:1"}, {"index", 1},
                    {"dvr_mac_prefix", "fa:16:3f:01"}}}};
}

TEST(Controller, RegistrationWaitsForThePrefixThenAllocates) {
  auto c = std::move(*Controller::Create("cloud1", TempDb(), {}));
  json reg = {{"host", {{"name", "h1"}, {"role", "compute"}, {"vtep_ip", "10.255.0.11"}}}};
  EXPECT_EQ(c->RegisterHost(reg).status().code(), Code::kUnavailable);
  ASSERT_TRUE(c->ApplyEvents({{"events", {CloudEvent(1)}}}).ok());
  auto h = c->RegisterHost(reg);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->dvr_mac, "fa:16:3f:01:00:01");
  EXPECT_EQ(c->RegisterHost(reg)->dvr_mac, "fa:16:3f:01:00:01");  // stable
}

json Register(Controller& c, const std::string& name, const std::string& vtep) {
  auto h = c.RegisterHost({{"host", {{"name", name}, {"role", "compute"}, {"vtep_ip", vtep}}}});
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? json(*h) : json();
}

// The cloud DB keeps each host's revision and the SHA-256 of its state's text,
// not the text; registrations add the new host's DVR MAC to the others' states
// (in their text, not computed again), which a restart, computing every state
// again, finds equal: no host gets a new revision. A DB written before (the
// text in the column) is read too.
TEST(Controller, RegistrationsPatchTrustAndStatesSurviveARestartAsDigests) {
  std::string path = TempDb();
  std::map<std::string, json> before;
  {
    auto c = std::move(*Controller::Create("cloud1", path, {}));
    ASSERT_TRUE(c->ApplyEvents({{"events", {CloudEvent(1)}}}).ok());
    for (int i = 1; i <= 4; ++i) Register(*c, "h" + std::to_string(i), "10.255.0." + std::to_string(10 + i));
    for (int i = 1; i <= 4; ++i) before["h" + std::to_string(i)] = **c->WaitState("h" + std::to_string(i), 0, 0);
  }
  EXPECT_EQ(before["h1"]["trusted_dvr_macs"],
            json({"fa:16:3f:01:00:02", "fa:16:3f:01:00:03", "fa:16:3f:01:00:04"}));
  EXPECT_EQ(before["h4"]["trusted_dvr_macs"],
            json({"fa:16:3f:01:00:01", "fa:16:3f:01:00:02", "fa:16:3f:01:00:03"}));
  {
    auto db = std::move(*Db::Open(path));
    auto q = db->Prepare("SELECT body FROM host_states WHERE host = 'h1'");
    ASSERT_TRUE(q->Step());
    json h1 = before["h1"];
    h1["revision"] = 0;
    EXPECT_EQ(q->Text(0), state::DigestMembers(h1.dump(), state::LayoutOf(h1.dump())).Digest());
  }
  auto again = std::move(*Controller::Create("cloud1", path, {}));
  for (const auto& [name, state] : before) EXPECT_EQ(**again->WaitState(name, 0, 0), state) << name;
  again.reset();
  {  // as an older cloud wrote it: the text itself
    auto db = std::move(*Db::Open(path));
    json h2 = before["h2"];
    h2["revision"] = 0;
    auto q = db->Prepare("UPDATE host_states SET body = ? WHERE host = 'h2'");
    q->Bind(1, h2.dump());
    q->Step();
    ASSERT_TRUE(q->status().ok());
  }
  auto third = std::move(*Controller::Create("cloud1", path, {}));
  for (const auto& [name, state] : before) EXPECT_EQ(**third->WaitState(name, 0, 0), state) << name;
  third.reset();
  {  // as a cloud of before member digests wrote it: the text's SHA-256
    auto db = std::move(*Db::Open(path));
    json h3 = before["h3"];
    h3["revision"] = 0;
    auto q = db->Prepare("UPDATE host_states SET body = ? WHERE host = 'h3'");
    q->Bind(1, crypto::Sha256Hex(h3.dump()));
    q->Step();
    ASSERT_TRUE(q->status().ok());
  }
  auto fourth = std::move(*Controller::Create("cloud1", path, {}));  // the same revisions: nobody woken
  for (const auto& [name, state] : before) EXPECT_EQ(**fourth->WaitState(name, 0, 0), state) << name;
}

TEST(Controller, RedeliveredEventsAreANoOpAndBadBatchesChangeNothing) {
  std::string path = TempDb();
  auto c = std::move(*Controller::Create("cloud1", path, {}));
  EXPECT_EQ(*c->ApplyEvents({{"events", {CloudEvent(1)}}}), 1);
  EXPECT_EQ(*c->ApplyEvents({{"events", {CloudEvent(1)}}}), 1);
  json bad = {{"events", {CloudEvent(2), {{"seq", 3}, {"kind", "bogus"}, {"op", "upsert"}, {"id", "x"}}}}};
  auto r = c->ApplyEvents(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "event 3: unknown kind 'bogus'");
  EXPECT_EQ(c->Dump()["applied_seq"], 1);
  // And it survives a restart.
  c.reset();
  auto again = std::move(*Controller::Create("cloud1", path, {}));
  EXPECT_EQ(again->Dump()["applied_seq"], 1);
}

// Found by tests/fuzz: a non-string kind, op or id was an exception (a 500),
// and a host name central cannot take in its URL was accepted, then never
// reported (holding up the reports of the hosts after it).
TEST(Controller, RefusesNonStringEventFieldsAndHostNamesCentralCannotTake) {
  auto c = std::move(*Controller::Create("cloud1", TempDb(), {}));
  ASSERT_TRUE(c->ApplyEvents({{"events", {CloudEvent(1)}}}).ok());
  for (const char* key : {"kind", "op", "id"}) {
    json e = CloudEvent(2);
    e[key] = {{"value", "upsert"}};
    auto r = c->ApplyEvents({{"events", {e}}});
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << key;
  }
  EXPECT_EQ(c->Dump()["applied_seq"], 1);
  for (std::string name : {std::string("nul\0inside", 10), std::string("a/b"), std::string("a b"),
                           std::string("h?x"), std::string(".."), std::string(65, 'h'), std::string("\xc3\xa9")}) {
    json reg = {{"host", {{"name", name}, {"role", "compute"}, {"vtep_ip", "10.255.0.11"}}}};
    EXPECT_EQ(c->RegisterHost(reg).status().code(), Code::kInvalidArgument) << name;
  }
  json ok = {{"host", {{"name", "compute-1.example_2"}, {"role", "compute"}, {"vtep_ip", "10.255.0.11"}}}};
  EXPECT_TRUE(c->RegisterHost(ok).ok());
}

json NetEvent(int64_t seq, const std::string& id) {
  return {{"seq", seq}, {"kind", "network"}, {"op", "upsert"}, {"id", id},
          {"body", {{"id", id}, {"clouds", {"cloud1"}}, {"segmentation_id", 1000}}}};
}

json PortBody(const std::string& id, const std::string& net, const std::string& host) {
  return {{"id", id}, {"network_id", net}, {"host", host}, {"cloud", "cloud1"},
          {"mac_address", "fa:16:3e:00:00:01"}, {"device_owner", "compute:nova"}};
}

std::vector<std::string> Ids(Controller& c, const std::string& kind) {
  json d = c.Dump();
  if (!d.contains("resource_ids") || !d["resource_ids"].contains(kind)) return {};
  return d["resource_ids"][kind].get<std::vector<std::string>>();
}

// A forged event with a huge seq used to make the cloud skip every real event
// after it: a batch that skips ahead of the applied seq is refused whole.
TEST(Controller, RefusesABatchThatSkipsAheadAndAppliesNothingOfIt) {
  auto c = std::move(*Controller::Create("cloud1", TempDb(), {}));
  ASSERT_EQ(*c->ApplyEvents({{"events", {CloudEvent(1)}}}), 1);
  auto forged = c->ApplyEvents({{"events", {NetEvent(1000000, "forged"), NetEvent(1000001, "forged2")}}});
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.status().code(), Code::kConflict);
  EXPECT_EQ(forged.status().message(),
            "events start at seq 1000000 but this cloud has applied up to seq 1: seqs 2..999999 are missing; "
            "nothing was applied");
  EXPECT_EQ(c->AppliedSeq(), 1);
  EXPECT_TRUE(Ids(*c, "network").empty());
  // The real events still apply, and a batch overlapping what was applied is fine.
  EXPECT_EQ(*c->ApplyEvents({{"events", {NetEvent(2, "n2")}}}), 2);
  EXPECT_EQ(*c->ApplyEvents({{"events", {NetEvent(2, "n2"), NetEvent(3, "n3")}}}), 3);
  EXPECT_EQ(Ids(*c, "network"), (std::vector<std::string>{"n2", "n3"}));
}

TEST(Controller, RefusesANonContiguousBatchAndAppliesNothingOfIt) {
  auto c = std::move(*Controller::Create("cloud1", TempDb(), {}));
  ASSERT_EQ(*c->ApplyEvents({{"events", {CloudEvent(1)}}}), 1);
  auto r = c->ApplyEvents({{"events", {NetEvent(2, "n2"), NetEvent(4, "n4")}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "seqs in a batch must be contiguous: event 4 follows 2");
  EXPECT_EQ(c->AppliedSeq(), 1);
  EXPECT_TRUE(Ids(*c, "network").empty());
  json snap = {{"seq", 3}, {"kind", "snapshot"}, {"op", "replace"}, {"id", "cloud1"},
               {"body", {{"resources", json::object()}}}};
  r = c->ApplyEvents({{"events", {NetEvent(2, "n2"), snap}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "a snapshot must be the first event of its batch");
  EXPECT_EQ(c->AppliedSeq(), 1);
}

// A snapshot replaces everything central pushed, keeps what the cloud owns
// (hosts registered here, their DVR MACs, local VLANs), and survives a restart.
TEST(Controller, ASnapshotReplacesExactlyWhatCentralPushed) {
  std::string path = TempDb();
  auto c = std::move(*Controller::Create("cloud1", path, {}));
  ASSERT_EQ(*c->ApplyEvents({{"events", {CloudEvent(1), NetEvent(2, "old"), NetEvent(3, "kept")}}}), 3);
  json reg = {{"host", {{"name", "h1"}, {"role", "compute"}, {"vtep_ip", "10.255.0.11"}}}};
  ASSERT_TRUE(c->RegisterHost(reg).ok());
  json port = {{"seq", 4}, {"kind", "port"}, {"op", "upsert"}, {"id", "p-old"}, {"body", PortBody("p-old", "kept", "h1")}};
  ASSERT_EQ(*c->ApplyEvents({{"events", {port}}}), 4);
  int lvid = c->Dump()["hosts"]["h1"]["lvids"]["kept"];
  // Central's state: cloud1, network "kept" (renamed), network "new", port p-new on "kept".
  json res = {{"cloud", {{"cloud1", CloudEvent(1)["body"]}}},
              {"network", {{"kept", {{"id", "kept"}, {"name", "renamed"}, {"clouds", {"cloud1"}}, {"segmentation_id", 1000}}},
                           {"new", {{"id", "new"}, {"clouds", {"cloud1"}}, {"segmentation_id", 1001}}}}},
              {"port", {{"p-new", PortBody("p-new", "kept", "h1")}}}};
  json snap = {{"seq", 9}, {"kind", "snapshot"}, {"op", "replace"}, {"id", "cloud1"}, {"body", {{"resources", res}}}};
  // A snapshot may skip ahead (it replaces everything), and events may follow it.
  EXPECT_EQ(*c->ApplyEvents({{"events", {snap, NetEvent(10, "after")}}}), 10);
  auto check = [&](Controller& k) {
    EXPECT_EQ(Ids(k, "network"), (std::vector<std::string>{"after", "kept", "new"}));
    EXPECT_EQ(Ids(k, "port"), (std::vector<std::string>{"p-new"}));
    EXPECT_EQ(Ids(k, "cloud"), (std::vector<std::string>{"cloud1"}));
    json d = k.Dump();
    EXPECT_EQ(d["hosts"]["h1"]["dvr_mac"], "fa:16:3f:01:00:01");
    EXPECT_EQ(d["hosts"]["h1"]["lvids"]["kept"], lvid);
  };
  check(*c);
  // Redelivered (seq <= applied), it is a no-op: the later event stays.
  EXPECT_EQ(*c->ApplyEvents({{"events", {snap}}}), 10);
  check(*c);
  c.reset();
  auto again = std::move(*Controller::Create("cloud1", path, {}));
  check(*again);
  EXPECT_EQ(again->AppliedSeq(), 10);
}

TEST(Controller, LongPollWakesOnChange) {
  auto c = std::move(*Controller::Create("cloud1", TempDb(), {}));
  ASSERT_TRUE(c->ApplyEvents({{"events", {CloudEvent(1)}}}).ok());
  json reg = {{"host", {{"name", "h1"}, {"role", "compute"}, {"vtep_ip", "10.255.0.11"}}}};
  ASSERT_TRUE(c->RegisterHost(reg).ok());
  auto first = c->WaitState("h1", 0, 0);
  ASSERT_TRUE(first.ok() && first->has_value());
  int64_t rev = (**first)["revision"];
  EXPECT_FALSE(c->WaitState("h1", rev, 0)->has_value());  // nothing new
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    json net = {{"seq", 2}, {"kind", "network"}, {"op", "upsert"}, {"id", "n1"},
                {"body", {{"id", "n1"}, {"clouds", {"cloud1"}}, {"segmentation_id", 1000}}}};
    json port = {{"seq", 3}, {"kind", "port"}, {"op", "upsert"}, {"id", "p1"},
                 {"body", {{"id", "p1"}, {"network_id", "n1"}, {"host", "h1"}, {"cloud", "cloud1"},
                           {"mac_address", "fa:16:3e:00:00:01"}, {"device_owner", "compute:nova"}}}};
    c->ApplyEvents({{"events", {net, port}}});
  });
  auto next = c->WaitState("h1", rev, 10000);
  t.join();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_GT((**next)["revision"].get<int64_t>(), rev);
  EXPECT_EQ((**next)["ports"].size(), 1u);
  EXPECT_EQ(c->WaitState("nope", 0, 0).status().code(), Code::kNotFound);
}

// docs/architecture.md, "Port status and agent liveness": a port is ACTIVE
// once its host's agent says it runs the revision that wires it; a state
// without it (admin_state_up false) makes it DOWN.
TEST(Controller, APortIsActiveOnceItsHostAppliedTheStateThatWiresIt) {
  auto c = std::move(*Controller::Create("cloud1", TempDb(), {}));
  ASSERT_TRUE(c->ApplyEvents({{"events", {CloudEvent(1), NetEvent(2, "n1")}}}).ok());
  Register(*c, "h1", "10.255.0.11");
  json port = {{"seq", 3}, {"kind", "port"}, {"op", "upsert"}, {"id", "p1"}, {"body", PortBody("p1", "n1", "h1")}};
  ASSERT_TRUE(c->ApplyEvents({{"events", {port}}}).ok());
  EXPECT_EQ(c->PortStatus("p1"), "DOWN");
  int64_t wiring = c->Dump()["hosts"]["h1"]["revision"];
  ASSERT_TRUE(c->HostContact("h1", wiring - 1).ok());
  EXPECT_EQ(c->PortStatus("p1"), "DOWN");
  ASSERT_TRUE(c->HostContact("h1", wiring).ok());
  EXPECT_EQ(c->PortStatus("p1"), "ACTIVE");
  port["seq"] = 4;
  port["body"]["admin_state_up"] = false;
  ASSERT_TRUE(c->ApplyEvents({{"events", {port}}}).ok());
  EXPECT_EQ(c->PortStatus("p1"), "DOWN");
  // A second port on the host's network: its state is patched, not computed
  // (docs "Incremental recompute"), and the port is wired by that revision.
  json second = {{"seq", 5}, {"kind", "port"}, {"op", "upsert"}, {"id", "p2"}, {"body", PortBody("p2", "n1", "h1")}};
  ASSERT_TRUE(c->ApplyEvents({{"events", {second}}}).ok());
  EXPECT_EQ(c->PortStatus("p2"), "DOWN");
  wiring = c->Dump()["hosts"]["h1"]["revision"];
  ASSERT_TRUE(c->HostContact("h1", wiring - 1).ok());
  EXPECT_EQ(c->PortStatus("p2"), "DOWN");
  ASSERT_TRUE(c->HostContact("h1", wiring).ok());
  EXPECT_EQ(c->PortStatus("p2"), "ACTIVE");
  EXPECT_EQ(c->PortStatus("p1"), "DOWN");
  EXPECT_EQ(c->HostContact("nope", 1).code(), Code::kNotFound);
  EXPECT_EQ(c->Dump()["hosts"]["h1"]["alive"], true);
}

// docs/architecture.md, "Cloud <-> agent": an agent asking with delta=1 from
// a revision the cloud still has the changes since gets them, and merges them
// into the state the cloud holds; from any other revision, without delta=1,
// or after a restart, it gets the whole state.
TEST(Controller, AnAgentAtARecentRevisionGetsWhatChangedAndOthersTheWholeState) {
  std::string path = TempDb();
  auto c = std::move(*Controller::Create("cloud1", path, {}));
  ASSERT_TRUE(c->ApplyEvents({{"events", {CloudEvent(1), NetEvent(2, "n1")}}}).ok());
  Register(*c, "h1", "10.255.0.11");
  Register(*c, "h2", "10.255.0.12");
  auto watch = [](Controller& c, int64_t after, bool delta,
                  state::DeltaMode mode = state::DeltaMode::kMemberDigest) {
    std::string out;
    c.WatchState("h1", after, 0, delta ? mode : state::DeltaMode::kWhole, [&](Result<std::optional<std::string>> s) {
      if (s.ok() && s->has_value()) out = **s;
    });
    return out;
  };
  // h1's state holds a port of its own and 20 of h2 (as remote ports and ARP entries).
  json fill = json::array();
  fill.push_back({{"seq", 3}, {"kind", "port"}, {"op", "upsert"}, {"id", "p0"}, {"body", PortBody("p0", "n1", "h1")}});
  for (int i = 0; i < 20; ++i) {
    std::string id = "q" + std::to_string(10 + i);
    json port = {{"seq", 4 + i}, {"kind", "port"}, {"op", "upsert"}, {"id", id}, {"body", PortBody(id, "n1", "h2")}};
    port["body"]["mac_address"] = "fa:16:3e:00:01:" + std::to_string(10 + i);
    port["body"]["fixed_ips"] = {{{"subnet_id", "s1"}, {"ip_address", "10.0.0." + std::to_string(10 + i)}}};
    fill.push_back(port);
  }
  ASSERT_TRUE(c->ApplyEvents({{"events", fill}}).ok());
  std::string whole1 = watch(*c, 0, true);
  ASSERT_FALSE(state::IsDeltaAnswer(whole1));
  int64_t r1 = json::parse(whole1)["revision"];
  json port = {{"seq", 24}, {"kind", "port"}, {"op", "upsert"}, {"id", "p1"}, {"body", PortBody("p1", "n1", "h1")}};
  port["body"]["mac_address"] = "fa:16:3e:00:00:03";
  ASSERT_TRUE(c->ApplyEvents({{"events", {port}}}).ok());
  std::string whole2 = watch(*c, 0, false);
  int64_t r2 = json::parse(whole2)["revision"];
  port = {{"seq", 25}, {"kind", "port"}, {"op", "upsert"}, {"id", "p2"}, {"body", PortBody("p2", "n1", "h2")}};
  port["body"]["mac_address"] = "fa:16:3e:00:00:02";
  ASSERT_TRUE(c->ApplyEvents({{"events", {port}}}).ok());
  std::string whole3 = watch(*c, 0, false);
  int64_t r3 = json::parse(whole3)["revision"];
  ASSERT_LT(r1, r2);
  ASSERT_LT(r2, r3);
  // Checked by member digest, or (an agent of before them, delta=1) by the text's SHA-256.
  for (auto [mode, key] : {std::pair{state::DeltaMode::kMemberDigest, "\"digest\":\"m1:"},
                           std::pair{state::DeltaMode::kSha256, "\"sha256\":\""}})
    for (auto [from, whole] : {std::pair{r1, whole1}, std::pair{r2, whole2}}) {
      std::string d = watch(*c, from, true, mode);
      ASSERT_TRUE(state::IsDeltaAnswer(d)) << d;
      EXPECT_NE(d.find(key), std::string::npos) << d;
      EXPECT_LT(d.size() * 2, whole3.size()) << d;
      auto merged = state::ApplyDeltaAnswer(state::HoldFullAnswer(whole, from), d);
      ASSERT_TRUE(merged.ok()) << merged.status().ToString();
      EXPECT_EQ(merged->revision, r3);
      EXPECT_EQ(state::WithRevision(merged->text, merged->revision), whole3);
    }
  EXPECT_FALSE(state::IsDeltaAnswer(watch(*c, r1, false)));      // an agent that does not ask
  EXPECT_FALSE(state::IsDeltaAnswer(watch(*c, r1 - 1, true)));   // a revision it never had
  EXPECT_EQ(watch(*c, r3, true), "");                             // nothing new
  c.reset();
  auto again = std::move(*Controller::Create("cloud1", path, {}));
  EXPECT_EQ(watch(*again, r1, true), whole3);  // a restart keeps no changes: the whole state
}

}  // namespace
}  // namespace isthmus::cloud
