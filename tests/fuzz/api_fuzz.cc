// api_fuzz: a black-box HTTP fuzzer for a running `isthmus central` and one
// `isthmus cloud` (tests/fuzz/run.sh starts both under ASan/UBSan).
//
// It builds a small valid federation through central (hosts registered at the
// cloud, an internal network with a subnet, a router with an interface, a bound
// port, an external network, a router gateway and a floating IP), then sends
// --requests random and mutated requests to every endpoint of both. Invariants:
//   - every request gets an answer within --timeout-ms (a hang is a failure);
//   - no 5xx, no dropped connection;
//   - a refused request (4xx) changes nothing: central's lists (networks,
//     subnets, ports, routers, floatingips, clouds, hosts) and the cloud's dump
//     (resource counts, applied_seq, hosts) are the same before and after it;
//   - a host the cloud accepted reaches central (the cloud's reporter).
// Snapshots are taken only around refused requests, after central's outbox to
// the cloud is drained, so asynchronous pushes are not mistaken for changes.
// Exit status 0 when nothing failed; the first failure is printed with its request.
#include <csignal>
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "common/http.h"
#include "live_set.h"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string central, cloud, cloud_name = "cloud1", token;
  uint64_t seed = 1;
  int requests = 1000;
  int timeout_ms = 10000;
  bool verbose = false;
  bool keep_going = false;  // report every distinct failure, not only the first
  std::vector<int> daemon_pids;  // whose CPU time to report per 1,000 requests (with the fuzzer's own)
};

struct Req {
  bool to_cloud = false;
  std::string method, path, body, content_type = "application/json";
  std::optional<std::string> token;  // instead of the fuzzer's own (central only)
  std::string Describe() const {
    std::string b = body.size() > 600 ? body.substr(0, 600) + "...(" + std::to_string(body.size()) + " bytes)" : body;
    std::string printable;
    for (unsigned char ch : b) {
      if (ch >= 0x20 && ch < 0x7f) printable += static_cast<char>(ch);
      else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", ch);
        printable += buf;
      }
    }
    return std::string(to_cloud ? "cloud " : "central ") + (token ? "(X-Auth-Token '" + *token + "') " : "") + method + " " + path +
           " [" + content_type + "] " + printable;
  }
};

// The daemons' request body cap (HttpServer::Options::max_body_bytes).
constexpr size_t kBodyCapBytes = 1u << 20;

struct Reply {
  bool ok = false;  // an HTTP answer arrived
  int status = 0;
  std::string body, error;
  double ms = 0;
};

class Fuzzer {
 public:
  explicit Fuzzer(Options o)
      : o_(std::move(o)),
        live_({.kept_names = {"fz-base", "fz-base-sub", "fz-ext", "fz-ext-sub", "fz-router", "fz-port", o_.cloud_name}}) {
    rng_.seed(o_.seed);
    central_ = *isthmus::Endpoint::Parse(o_.central);
    cloud_ = *isthmus::Endpoint::Parse(o_.cloud);
  }
  int Run();

 private:
  // ---- HTTP ----
  Reply Send(const Req& r, bool fresh_connection = true) {
    const auto& ep = r.to_cloud ? cloud_ : central_;
    httplib::Client cli(ep.host, ep.port);
    int s = o_.timeout_ms / 1000, us = (o_.timeout_ms % 1000) * 1000;
    cli.set_connection_timeout(s, us);
    cli.set_read_timeout(s, us);
    cli.set_write_timeout(s, us);
    httplib::Request req;
    req.method = r.method;
    req.path = r.path;
    std::string token = r.token ? *r.token : o_.token;
    if (!token.empty() && !r.to_cloud) req.headers.emplace("X-Auth-Token", token);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
      req.body = r.body;
      req.headers.emplace("Content-Type", r.content_type);
    }
    (void)fresh_connection;
    auto t0 = Clock::now();
    auto res = cli.send(req);
    Reply out;
    out.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!res) {
      out.error = httplib::to_string(res.error());
      return out;
    }
    out.ok = true;
    out.status = res->status;
    out.body = res->body;
    return out;
  }
  // Snapshot reads (most of the traffic); the requests under test each get a
  // client of their own.
  json GetJson(bool to_cloud, const std::string& path) {
    auto& cli = to_cloud ? cloud_cli_ : central_cli_;
    const auto& ep = to_cloud ? cloud_ : central_;
    Reply rep;
    for (int attempt = 0; attempt < 2 && !rep.ok; ++attempt) {  // one retry: a stale kept-alive connection
      if (!cli || attempt > 0) {
        cli = std::make_unique<httplib::Client>(ep.host, ep.port);
        // No keep-alive: the daemons' replies go out in two writes, and
        // Nagle + delayed ACK would cost 40 ms per kept-alive read.
        cli->set_connection_timeout(o_.timeout_ms / 1000, 0);
        cli->set_read_timeout(o_.timeout_ms / 1000, 0);
      }
      httplib::Headers h;
      if (!o_.token.empty() && !to_cloud) h.emplace("X-Auth-Token", o_.token);
      ++reads_;
      auto res = cli->Get(path, h);
      if (res) {
        rep.ok = true;
        rep.status = res->status;
        rep.body = res->body;
      } else {
        rep.error = httplib::to_string(res.error());
      }
    }
    if (!rep.ok || rep.status != 200)
      Fail("snapshot read " + path + " failed: " + (rep.ok ? std::to_string(rep.status) + " " + rep.body : rep.error));
    json j = json::parse(rep.body, nullptr, false);
    if (j.is_discarded()) Fail("snapshot read " + path + " is not JSON");
    return j;
  }
  json Call(bool to_cloud, const std::string& method, const std::string& path, const json& body,
            int* status = nullptr) {
    Req r{to_cloud, method, path, body.is_null() ? "" : body.dump(), "application/json", std::nullopt};
    Reply rep = Send(r);
    if (!rep.ok) Fail("setup " + r.Describe() + ": " + rep.error);
    if (status) *status = rep.status;
    else if (rep.status >= 300) Fail("setup " + r.Describe() + ": " + std::to_string(rep.status) + " " + rep.body);
    json j = json::parse(rep.body, nullptr, false);
    return j.is_discarded() ? json() : j;
  }

  // A failure of the request under test: fatal unless --keep-going, which
  // prints each distinct one (by status, method, path shape and message) once.
  void Finding(const std::string& key, const std::string& what) {
    if (!o_.keep_going) Fail(what);
    ++findings_;
    if (seen_findings_.insert(key).second) std::cerr << "api_fuzz: FINDING: " << what << "\n";
  }
  [[noreturn]] void Fail(const std::string& what) {
    std::cerr << "api_fuzz: FAIL after " << sent_ << " requests: " << what << "\n";
    PrintSummary(std::cerr);
    std::exit(1);
  }

  // ---- snapshots ----
  struct Snapshot {
    std::map<std::string, std::string> central;  // list path -> raw body
    std::string cloud;                            // normalized dump
    bool operator==(const Snapshot& o) const { return central == o.central && cloud == o.cloud; }
  };
  Snapshot Take();
  std::string Diff(const Snapshot& a, const Snapshot& b);

  // ---- generation ----
  std::mt19937_64 rng_;
  int Rand(int n) { return n <= 0 ? 0 : static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Rand(static_cast<int>(v.size()))]; }
  std::string PickId(const std::string& kind);
  std::string JunkString();
  std::string JunkId();
  json JunkValue(int depth = 0);
  // Names and IDs come from bounded sets: what a request can make and nothing
  // can remove (hosts) or what costs central for as long as it lives (clouds)
  // must not grow with the number of requests.
  std::string RandName() { return "fz-" + std::to_string(Rand(1000)); }
  std::string BoundedName(const std::string& prefix, int n) { return prefix + std::to_string(Rand(n)); }
  std::vector<std::string> unknown_ids_;  // well-formed IDs nothing has (JunkId), made from the seed
  std::string RandCidr();
  std::string RandIp();
  std::string RandMac();
  json ValidBody(const std::string& kind);
  void MutateJson(json& j);
  std::string MutateText(std::string text);
  Req Generate();
  Req GenerateCentral();
  Req GenerateCloud();
  std::string JunkQuery();

  // ---- baseline and bounded state ----
  void EnsureBaseline();
  void RefreshPools(const Snapshot& s);
  // One request of live_'s plan; only a 5xx or no answer is a finding (it may be refused).
  void Remove(const isthmus::fuzz::RemoveStep& step, int i) {
    Req r{false, step.method, step.path, step.body.is_null() ? "" : step.body.dump(), "application/json", std::nullopt};
    Reply rep = Send(r);
    ++removals_;
    std::string shape = "removal " + r.method + " " + r.path.substr(0, r.path.find('/', 6));
    if (!rep.ok)
      Finding(shape + " transport", "no answer (" + rep.error + ") to a removal before request #" + std::to_string(i) + ": " + r.Describe());
    else if (rep.status >= 500)
      Finding(shape + " " + std::to_string(rep.status), "HTTP " + std::to_string(rep.status) + " " + rep.body.substr(0, 500) +
              " for a removal before request #" + std::to_string(i) + ": " + r.Describe());
  }
  // Requests per second of each 1,000: flat when the cost per request does not grow.
  void PrintRates(std::ostream& os) {
    if (block_secs_.empty()) return;
    auto per_block = [&](const char* what, const std::vector<double>& v, bool rate) {
      os << "api_fuzz: " << what << " per 1,000 requests:";
      for (size_t k = 0; k < v.size(); ++k) {
        int n = k + 1 < v.size() || o_.requests % 1000 == 0 ? 1000 : o_.requests % 1000;
        os << " " << static_cast<int>(rate ? n / v[k] : v[k] * 1000 / n);
      }
      if (o_.requests % 1000) os << " (the last of " << o_.requests % 1000 << ")";
      os << "\n";
    };
    per_block("requests/s", block_secs_, true);
    per_block(o_.daemon_pids.empty() ? "CPU s of the fuzzer" : "CPU s of the daemons and the fuzzer", block_cpu_, false);
  }

  void PrintSummary(std::ostream& os) {
    os << "api_fuzz: " << sent_ << " requests sent, " << refused_ << " refused (4xx, each checked "
       << "to change nothing), " << accepted_ << " accepted (2xx), " << other_ << " other, and " << removals_
       << " removals to keep the state bounded; status counts:";
    for (const auto& [st, n] : status_counts_) os << " " << st << "=" << n;
    os << "; slowest " << static_cast<int>(slowest_ms_) << " ms\n";
  }

  Options o_;
  isthmus::Endpoint central_, cloud_;
  std::map<std::string, std::vector<std::string>> pool_;  // kind -> ids
  std::vector<std::string> ext_networks_, int_networks_, int_subnets_, ext_subnets_;
  std::vector<std::string> hosts_ = {"fz-h1", "fz-h2", "fz-net"};
  std::vector<std::string> clouds_;
  int64_t applied_seq_ = 0;
  std::set<std::string> live_clouds_ = {"cloud1"};
  long sent_ = 0, refused_ = 0, accepted_ = 0, other_ = 0;
  std::map<int, long> status_counts_;
  double slowest_ms_ = 0;
  isthmus::fuzz::LiveSet live_;
  isthmus::fuzz::Lists lists_;  // central's lists at the last snapshot
  long removals_ = 0;           // requests of live_'s plans
  long reads_ = 0;              // snapshot reads (GetJson)
  std::vector<double> block_secs_;  // seconds taken by each 1,000 requests under test
  std::vector<double> block_cpu_;   // CPU seconds of the daemons and the fuzzer in each 1,000
  double cpu_at_block_start_ = 0;
  // CPU seconds used so far by the daemons (--daemon-pids) and this process:
  // the cost per request, which the other work on the machine does not change.
  double CpuSeconds() {
    double ticks = 0;
    std::vector<std::string> stats = {"/proc/self/stat"};
    for (int p : o_.daemon_pids) stats.push_back("/proc/" + std::to_string(p) + "/stat");
    for (const auto& path : stats) {
      std::ifstream f(path);
      std::string line;
      if (!std::getline(f, line) || line.rfind(')') == std::string::npos) continue;
      std::istringstream rest(line.substr(line.rfind(')') + 2));  // fields from 3 (state) on
      std::string field;
      for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i == 14 || i == 15) ticks += std::atof(field.c_str());  // utime, stime
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  void EndBlock(Clock::time_point& block_t0) {
    auto now = Clock::now();
    double cpu = CpuSeconds();
    block_secs_.push_back(std::chrono::duration<double>(now - block_t0).count());
    block_cpu_.push_back(cpu - cpu_at_block_start_);
    cpu_at_block_start_ = cpu;
    block_t0 = now;
  }
  size_t central_hosts_ = 0;        // hosts in central's list at the last snapshot
  json cloud_counts_;               // the cloud's resource counts at the last snapshot
  // The state the fuzzing has grown to (central's lists and the cloud's counts).
  std::string StateSize() {
    std::string out = "live:";
    for (const char* k : {"network", "subnet", "port", "router", "floatingip"})
      out += " " + std::to_string(pool_[k].size()) + " " + k + "s";
    out += ", " + std::to_string(clouds_.size()) + " clouds, " + std::to_string(central_hosts_) + " hosts; cloud: " +
           cloud_counts_.dump();
    return out;
  }
  std::string last_;  // the request under test, for messages
  std::unique_ptr<httplib::Client> central_cli_, cloud_cli_;
  long findings_ = 0;
  std::map<std::string, int64_t> stuck_pending_;
  json stuck_seen_;
  Clock::time_point stuck_since_;
  std::set<std::string> seen_findings_;
};

// A consistent snapshot, taken when nothing is in flight between central and
// the cloud: central's outbox to every cloud that points at our controller is
// empty before and unchanged after the reads, and every host the controller
// registered is known to central as such (its reporter is done).
Fuzzer::Snapshot Fuzzer::Take() {
  auto deadline = Clock::now() + std::chrono::seconds(15);
  std::string why;
  while (Clock::now() < deadline) {
    json outbox = GetJson(false, "/v2.0/outbox").value("outbox", json::object());
    bool drained = true;
    for (const auto& n : live_clouds_)
      if (outbox.contains(n) && outbox[n].value("pending", int64_t{0}) > stuck_pending_[n]) {
        drained = false;
        why = "central's outbox to " + n + " is not drained: " + outbox[n].dump();
      }
    if (!drained) {
      // Pending events that never leave although the cloud acknowledged
      // everything central sent: a central bug; reported, then tolerated.
      if (outbox == stuck_seen_ && Clock::now() - stuck_since_ > std::chrono::seconds(2)) {
        int64_t applied = GetJson(true, "/v1/dump").value("applied_seq", int64_t{0});
        for (const auto& n : live_clouds_)
          if (outbox.contains(n) && outbox[n].value("acked_seq", int64_t{-1}) == applied &&
              outbox[n].value("pending", int64_t{0}) > stuck_pending_[n]) {
            Finding("stuck pending", "central's GET /v2.0/outbox reports " + outbox[n].dump() + " for " + n +
                    " for 2 s although the cloud applied and acknowledged seq " + std::to_string(applied) +
                    " (an event delivered but never marked done); last request: " + last_);
            stuck_pending_[n] = outbox[n].value("pending", int64_t{0});
          }
      } else if (outbox != stuck_seen_) {
        stuck_seen_ = outbox;
        stuck_since_ = Clock::now();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    Snapshot s;
    json clouds, hosts;
    for (const char* p : {"/v2.0/networks", "/v2.0/subnets", "/v2.0/ports", "/v2.0/routers",
                          "/v2.0/floatingips", "/v2.0/clouds", "/v2.0/hosts"}) {
      json j = GetJson(false, p);
      if (std::string(p) == "/v2.0/clouds") {
        for (auto& c : j["clouds"]) c.erase("acked_seq");  // not something a request changes
        clouds = j;
      }
      if (std::string(p) == "/v2.0/hosts") hosts = j;
      // A port's status follows its host's wiring, reported by its cloud when
      // the agent applied it (docs/architecture.md, "Port status and agent
      // liveness"): it changes on its own, not by a request.
      if (std::string(p) == "/v2.0/ports")
        for (auto& port : j["ports"]) port.erase("status");
      if (std::string(p) == "/v2.0/floatingips")
        for (auto& f : j["floatingips"])
          if (f.contains("port_details") && f["port_details"].is_object()) f["port_details"].erase("status");
      s.central[p] = j.dump();
    }
    json dump = GetJson(true, "/v1/dump");
    json norm = {{"applied_seq", dump["applied_seq"]}, {"resources", dump["resources"]}};
    const json own = dump.value("hosts", json::object());
    for (const auto& [name, h] : own.items())
      norm["hosts"][name] = {h.value("role", ""), h.value("vtep_ip", ""), h.value("dvr_mac", "")};
    s.cloud = norm.dump();
    // Which clouds point at our controller (a fuzzed registration may add one).
    std::set<std::string> live;
    for (const auto& c : clouds.value("clouds", json::array())) {
      auto ep = isthmus::Endpoint::Parse(c.value("endpoint", ""));
      if (ep.ok() && ep->port == cloud_.port && (ep->host == "127.0.0.1" || ep->host == "localhost"))
        live.insert(c.value("name", ""));
    }
    std::map<std::string, json> known;
    for (const auto& h : hosts.value("hosts", json::array())) known[h.value("name", "")] = h;
    bool reported = true;
    for (const auto& [name, h] : own.items()) {
      auto it = known.find(name);
      if (it == known.end() || it->second.value("vtep_ip", "") != h.value("vtep_ip", "") ||
          it->second.value("role", "") != h.value("role", "")) {
        reported = false;
        why = "host '" + name + "' registered at the cloud (" + h.dump() +
              ") is not (yet) known to central as such";
      }
    }
    json again = GetJson(false, "/v2.0/outbox").value("outbox", json::object());
    if (live != live_clouds_) {
      live_clouds_ = live;
      continue;
    }
    if (!reported || again != outbox) continue;
    applied_seq_ = dump.value("applied_seq", int64_t{0});
    cloud_counts_ = dump["resources"];
    cloud_counts_["own_hosts"] = own.size();
    RefreshPools(s);
    return s;
  }
  Fail("the federation did not settle within 15 s: " + why + (last_.empty() ? "" : "; last request: " + last_));
}

std::string Fuzzer::Diff(const Snapshot& a, const Snapshot& b) {
  std::string out;
  for (const auto& [p, body] : a.central)
    if (b.central.at(p) != body) {
      json x = json::parse(body), y = json::parse(b.central.at(p));
      out += "\n  central " + p + " changed: " + json::diff(x, y).dump().substr(0, 2000);
    }
  if (a.cloud != b.cloud)
    out += "\n  cloud dump changed: " +
           json::diff(json::parse(a.cloud), json::parse(b.cloud)).dump().substr(0, 2000);
  return out;
}

void Fuzzer::RefreshPools(const Snapshot& s) {
  pool_.clear();
  ext_networks_.clear();
  int_networks_.clear();
  int_subnets_.clear();
  ext_subnets_.clear();
  std::set<std::string> ext;
  auto items = [&](const std::string& path, const std::string& key) {
    json j = json::parse(s.central.at(path));
    return j.value(key, json::array());
  };
  for (const auto& n : items("/v2.0/networks", "networks")) {
    std::string id = n.value("id", "");
    pool_["network"].push_back(id);
    if (n.value("router:external", false)) {
      ext_networks_.push_back(id);
      ext.insert(id);
    } else {
      int_networks_.push_back(id);
    }
  }
  for (const auto& x : items("/v2.0/subnets", "subnets")) {
    pool_["subnet"].push_back(x.value("id", ""));
    (ext.count(x.value("network_id", "")) ? ext_subnets_ : int_subnets_).push_back(x.value("id", ""));
  }
  for (const auto& x : items("/v2.0/ports", "ports")) pool_["port"].push_back(x.value("id", ""));
  for (const auto& x : items("/v2.0/routers", "routers")) pool_["router"].push_back(x.value("id", ""));
  for (const auto& x : items("/v2.0/floatingips", "floatingips")) pool_["floatingip"].push_back(x.value("id", ""));
  clouds_.clear();
  for (const auto& x : items("/v2.0/clouds", "clouds")) clouds_.push_back(x.value("name", ""));
  central_hosts_ = items("/v2.0/hosts", "hosts").size();
  lists_ = {items("/v2.0/networks", "networks"), items("/v2.0/subnets", "subnets"), items("/v2.0/ports", "ports"),
            items("/v2.0/routers", "routers"),   items("/v2.0/floatingips", "floatingips"),
            items("/v2.0/clouds", "clouds")};
  live_.Observe(lists_);
}

std::string Fuzzer::PickId(const std::string& kind) {
  if (Chance(0.08)) return JunkId();
  if (Chance(0.05)) {  // an ID of another kind
    static const std::vector<std::string> kinds = {"network", "subnet", "port", "router", "floatingip"};
    const auto& v = pool_[Pick(kinds)];
    if (!v.empty()) return Pick(v);
  }
  const auto& v = pool_[kind];
  if (v.empty()) return JunkId();
  return Pick(v);
}

std::string Fuzzer::JunkString() {
  switch (Rand(16)) {
    case 0: return "";
    case 1: return std::string(Rand(3) == 0 ? 100000 : 300, 'a' + Rand(26));
    case 2: return "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xe0\xa4\xa8\xd7\xa9";  // é€😀 and friends
    case 3: return std::string("nul\0inside", 10);
    case 4: return "'; DROP TABLE resources; --";
    case 5: return "../../etc/passwd";
    case 6: return " ";
    case 7: return "\xe2\x80\xae\xe2\x80\x8b";  // RTL override, zero-width space
    case 8: return "%00%2F%ff";
    case 9: return "a/b?c=d#e";
    case 10: return "null";
    case 11: return "-1";
    case 12: return "18446744073709551616";
    case 13: return "\t\n\r";
    case 14: return "fa:16:3f:01:00:01";
    default: return BoundedName("fz-j", 2);
  }
}

std::string Fuzzer::JunkId() {
  switch (Rand(10)) {
    case 0: return "00000000-0000-0000-0000-000000000000";
    case 1: return std::string(2000, 'x');
    case 2: return "%ff%fe";
    case 3: return "%2e%2e";
    case 4: return "..";
    case 5: return "%00";
    case 6: return "%e2%82%ac";
    case 7: return "id%20with%20space";
    case 8: return "-1";
    default: {
      if (unknown_ids_.empty()) {
        static const char* hex = "0123456789abcdef";
        for (int k = 0; k < 4; ++k) {
          std::string s;
          for (int i = 0; i < 36; ++i) s += (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : hex[Rand(16)];
          unknown_ids_.push_back(s);
        }
      }
      return Pick(unknown_ids_);
    }
  }
}

json Fuzzer::JunkValue(int depth) {
  switch (Rand(depth > 2 ? 12 : 15)) {
    case 0: return nullptr;
    case 1: return Chance(0.5);
    case 2: return static_cast<int64_t>(rng_());
    case 3: return -1;
    case 4: return 0;
    case 5: return 1e308;
    case 6: return -0.5;
    case 7: return std::numeric_limits<uint64_t>::max();
    case 8: return std::numeric_limits<int64_t>::min();
    case 9: return JunkString();
    case 10: return json::array();
    case 11: return json::object();
    case 12: return json::array({JunkValue(depth + 1), JunkValue(depth + 1)});
    case 13: return json{{JunkString(), JunkValue(depth + 1)}};
    default: return RandCidr();
  }
}

std::string Fuzzer::RandCidr() {
  static const std::vector<std::string> bad = {
      "10.0.0.0/33", "300.1.1.0/24", "10.0.0.1/24", "0.0.0.0/0", "10.9.9.9/32", "10.9.9.8/31",
      "10.9.9.0/30", "::1/128", "fd00::/64", "10.0.0.0/-1", "10.0.0.0/", "/24", "10.0.0/24",
      "10.0.0.0.0/24", "10.0.0.0/24/8", "010.000.000.000/24", "10.0.0.0 /24", "255.255.255.255/32",
      "169.254.64.0/18", "127.0.0.0/8", "224.0.0.0/4", "10.0.0.0/8", "1e1.0.0.0/24", ""};
  if (Chance(0.4)) return Pick(bad);
  if (Chance(0.3)) return "10.100." + std::to_string(Rand(3)) + ".0/24";  // overlaps
  return "10." + std::to_string(100 + Rand(150)) + "." + std::to_string(Rand(256)) + ".0/" +
         std::to_string(Chance(0.8) ? 24 : 16 + Rand(15));
}

std::string Fuzzer::RandIp() {
  static const std::vector<std::string> bad = {"10.100.0.0", "10.100.0.255", "10.100.0.1", "256.0.0.1",
                                               "10.100.0", "10.100.0.5.6", "::1", "", "0.0.0.0",
                                               "255.255.255.255", "10.100.0.-1", "10.100.0.05",
                                               " 10.100.0.7", "172.30.0.1", "172.30.0.255"};
  if (Chance(0.4)) return Pick(bad);
  if (Chance(0.5)) return "10.100.0." + std::to_string(Rand(260));
  return "172.30.0." + std::to_string(Rand(260));
}

std::string Fuzzer::RandMac() {
  static const std::vector<std::string> bad = {
      "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", "00:00:00:00:00:00", "fa:16:3f:01:00:01",
      "fa:16:3f:00:00:00", "zz:16:3e:00:00:01", "fa:16:3e:00:00:0", "fa:16:3e:00:00:001",
      "fa-16-3e-00-00-01", "FA:16:3E:AA:BB:CC", "fa:16:3e:00:00:01:02", "", "fa163e000001"};
  if (Chance(0.5)) return Pick(bad);
  char buf[32];
  std::snprintf(buf, sizeof buf, "fa:16:3e:%02x:%02x:%02x", Rand(256), Rand(256), Rand(256));
  return buf;
}

json Fuzzer::ValidBody(const std::string& kind) {
  std::string cloud = clouds_.empty() || Chance(0.9) ? o_.cloud_name : Pick(clouds_);
  if (kind == "network") {
    json n = {{"name", RandName()}, {"availability_zone_hints", {cloud}}};
    if (Chance(0.3)) {
      n["router:external"] = true;
      n["provider:network_type"] = "flat";
      n["provider:physical_network"] = Chance(0.8) ? "external" : JunkString();
    }
    if (Chance(0.2)) n["admin_state_up"] = Chance(0.5);
    return {{"network", n}};
  }
  if (kind == "subnet") {
    bool ext = Chance(0.25) && !ext_networks_.empty();
    json s = {{"network_id", ext ? Pick(ext_networks_) : int_networks_.empty() ? PickId("network") : Pick(int_networks_)},
              {"cidr", RandCidr()},
              {"ip_version", Chance(0.9) ? 4 : 6}};
    if (Chance(0.3)) s["gateway_ip"] = Chance(0.3) ? json(nullptr) : json(RandIp());
    if (Chance(0.2)) s["allocation_pools"] = {{{"start", RandIp()}, {"end", RandIp()}}};
    if (Chance(0.3)) s["enable_dhcp"] = Chance(0.5);
    if (Chance(0.3)) s["gateway_mode"] = Chance(0.5) ? "per-cloud" : Chance(0.8) ? "anycast" : "bogus";
    if (Chance(0.2)) s["dns_nameservers"] = {RandIp()};
    if (Chance(0.3)) s["name"] = RandName();
    return {{"subnet", s}};
  }
  if (kind == "port") {
    json p = {{"network_id", int_networks_.empty() || Chance(0.1) ? PickId("network") : Pick(int_networks_)}};
    if (Chance(0.7)) p["binding:host_id"] = Chance(0.9) ? Pick(hosts_) : JunkString();
    if (Chance(0.3)) {
      json fip = json::object();
      if (Chance(0.8)) fip["subnet_id"] = int_subnets_.empty() ? PickId("subnet") : Pick(int_subnets_);
      if (Chance(0.6)) fip["ip_address"] = RandIp();
      p["fixed_ips"] = {fip};
    }
    if (Chance(0.3)) p["mac_address"] = RandMac();
    if (Chance(0.5)) p["device_owner"] = Chance(0.8) ? "compute:nova" : Chance(0.5) ? "network:dhcp" : "network:router_interface";
    if (Chance(0.3)) p["device_id"] = RandName();
    if (Chance(0.3)) p["name"] = RandName();
    return {{"port", p}};
  }
  if (kind == "router") {
    json r = {{"name", RandName()}, {"availability_zone_hints", {cloud}}};
    if (Chance(0.7)) r["distributed"] = Chance(0.5);
    if (Chance(0.3) && !ext_networks_.empty()) r["external_gateway_info"] = {{"network_id", Pick(ext_networks_)}};
    return {{"router", r}};
  }
  if (kind == "router_update") {
    json r = json::object();
    if (Chance(0.4)) r["name"] = RandName();
    if (Chance(0.8)) {
      if (Chance(0.3)) {
        r["external_gateway_info"] = nullptr;
      } else {
        json g = {{"network_id", ext_networks_.empty() || Chance(0.1) ? PickId("network") : Pick(ext_networks_)}};
        if (Chance(0.4)) g["enable_snat"] = Chance(0.5);
        if (Chance(0.3)) {
          json f = json::object();
          if (Chance(0.7)) f["subnet_id"] = ext_subnets_.empty() ? PickId("subnet") : Pick(ext_subnets_);
          if (Chance(0.7)) f["ip_address"] = RandIp();
          g["external_fixed_ips"] = {f};
        }
        r["external_gateway_info"] = g;
      }
    }
    return {{"router", r}};
  }
  if (kind == "interface") {
    if (Chance(0.7)) return {{"subnet_id", int_subnets_.empty() || Chance(0.1) ? PickId("subnet") : Pick(int_subnets_)}};
    return {{"port_id", PickId("port")}};
  }
  if (kind == "floatingip") {
    json f = {{"floating_network_id", ext_networks_.empty() || Chance(0.1) ? PickId("network") : Pick(ext_networks_)}};
    if (Chance(0.6)) f["port_id"] = PickId("port");
    if (Chance(0.2)) f["floating_ip_address"] = RandIp();
    if (Chance(0.2)) f["fixed_ip_address"] = RandIp();
    return {{"floatingip", f}};
  }
  if (kind == "floatingip_update") return {{"floatingip", {{"port_id", Chance(0.4) ? json(nullptr) : json(PickId("port"))}}}};
  if (kind == "cloud") {
    // Never a second name for our controller's endpoint by design: a dead one.
    return {{"cloud", {{"name", Chance(0.5) ? BoundedName("fz-cloud", 4) : Pick(clouds_.empty() ? std::vector<std::string>{"cloud1"} : clouds_)},
                       {"endpoint", Chance(0.8) ? "http://127.0.0.1:1" : JunkString()}}}};
  }
  if (kind == "cloud_host") {
    char mac[32];
    // In cloud1's prefix only above what the cloud allocates (it counts up from :00:01).
    std::snprintf(mac, sizeof mac, "fa:16:3f:%02x:%02x:%02x", Rand(3), 0xf0 + Rand(16), Rand(256));
    return {{"host", {{"role", Chance(0.5) ? "compute" : "network"}, {"vtep_ip", RandIp()}, {"dvr_mac", mac}}}};
  }
  if (kind == "host") {
    json h = {{"name", Chance(0.8) ? Pick(hosts_) : Chance(0.5) ? BoundedName("fz-h", 2) : JunkString()},
              {"role", Chance(0.9) ? (Chance(0.5) ? "compute" : "network") : JunkString()},
              {"vtep_ip", Chance(0.8) ? "192.0.2." + std::to_string(10 + Rand(5)) : RandIp()}};
    return {{"host", h}};
  }
  if (kind == "events") {
    // Replays (seq <= applied_seq: skipped) and batches with one bad event
    // after good ones (the whole batch must be refused).
    static const std::vector<std::string> kinds = {"cloud", "host", "network", "subnet", "port", "router", "floatingip"};
    json evs = json::array();
    int n = 1 + Rand(4);
    bool forward = applied_seq_ > 0 ? Chance(0.5) : true;
    int64_t seq = forward ? applied_seq_ + 1 : 1 + Rand(static_cast<int>(std::min<int64_t>(applied_seq_, 1000000)));
    int bad = forward ? Rand(n) : -1;
    for (int i = 0; i < n; ++i, seq += 1 + Rand(2)) {
      json e = {{"seq", seq}, {"kind", Pick(kinds)}, {"op", Chance(0.7) ? "upsert" : "delete"},
                {"id", JunkId()}, {"body", {{"id", "x"}, {"name", RandName()}}}};
      if (i == bad) {
        switch (Rand(9)) {
          case 0: e["seq"] = 0; break;
          case 1: e["seq"] = seq - 1000000; break;
          case 2: e["seq"] = std::to_string(seq); break;
          case 3: e["kind"] = JunkString(); break;
          case 4: e["op"] = Chance(0.5) ? "" : "merge"; break;
          case 5: e["id"] = ""; break;
          case 6: e["op"] = "upsert"; e["body"] = JunkValue().is_object() ? json(5) : json("x"); break;
          case 7: e.erase("seq"); break;
          default: e["seq"] = 0.5 + static_cast<double>(seq); break;
        }
        if (i > 0 && Chance(0.3)) e["seq"] = evs[0]["seq"];  // not increasing
      }
      evs.push_back(e);
    }
    return {{"events", evs}};
  }
  return json::object();
}

// Applies 1..3 structural mutations somewhere in the document.
void Fuzzer::MutateJson(json& j) {
  int n = 1 + Rand(3);
  for (int k = 0; k < n; ++k) {
    // Walk to a random container.
    json* cur = &j;
    for (int d = 0; d < 6 && (cur->is_object() || cur->is_array()) && !cur->empty() && Chance(0.7); ++d) {
      json* next = nullptr;
      if (cur->is_object()) {
        auto it = cur->begin();
        std::advance(it, Rand(static_cast<int>(cur->size())));
        next = &it.value();
      } else {
        next = &(*cur)[Rand(static_cast<int>(cur->size()))];
      }
      if (!next->is_object() && !next->is_array()) break;
      cur = next;
    }
    if (cur->is_object()) {
      switch (Rand(5)) {
        case 0:
          if (!cur->empty()) {
            auto it = cur->begin();
            std::advance(it, Rand(static_cast<int>(cur->size())));
            cur->erase(it.key());
          }
          break;
        case 1: {  // retype a value
          if (cur->empty()) break;
          auto it = cur->begin();
          std::advance(it, Rand(static_cast<int>(cur->size())));
          it.value() = JunkValue();
          break;
        }
        case 2: (*cur)[Chance(0.5) ? JunkString() : "tenant_id"] = JunkValue(); break;  // unknown key
        case 3: {  // wrap a value in an array or object
          if (cur->empty()) break;
          auto it = cur->begin();
          std::advance(it, Rand(static_cast<int>(cur->size())));
          it.value() = Chance(0.5) ? json::array({it.value()}) : json{{"value", it.value()}};
          break;
        }
        default: {  // a special string
          if (cur->empty()) break;
          auto it = cur->begin();
          std::advance(it, Rand(static_cast<int>(cur->size())));
          int w = Rand(4);
          it.value() = w == 0 ? json(RandCidr()) : w == 1 ? json(RandIp()) : w == 2 ? json(RandMac()) : json(JunkString());
        }
      }
    } else if (cur->is_array()) {
      switch (Rand(3)) {
        case 0: cur->clear(); break;
        case 1: for (int i = 0; i < 50; ++i) cur->push_back(cur->empty() ? JunkValue() : (*cur)[0]); break;
        default: cur->push_back(JunkValue());
      }
    } else {
      j = JunkValue();
    }
  }
}

std::string Fuzzer::MutateText(std::string t) {
  switch (Rand(10)) {
    case 0: return t.substr(0, Rand(static_cast<int>(t.size()) + 1));  // truncated
    case 1: {  // duplicate the first key (the parser keeps one of them)
      auto q = t.find('{');
      auto inner = t.find('{', q + 1);
      if (inner == std::string::npos) return t;
      auto end = t.find_first_of(",}", inner);
      if (end == std::string::npos) return t;
      std::string kv = t.substr(inner + 1, end - inner - 1);
      return t.substr(0, inner + 1) + kv + "," + t.substr(inner + 1);
    }
    case 2: {  // random bytes spliced in
      std::string b;
      int n = 1 + Rand(16);
      for (int i = 0; i < n; ++i) b += static_cast<char>(Rand(256));
      size_t at = Rand(static_cast<int>(t.size()) + 1);
      return t.substr(0, at) + b + t.substr(at);
    }
    case 3: {  // deep nesting
      int depth = Chance(0.5) ? 100 + Rand(200) : 20000 + Rand(100000);
      std::string open(depth, '['), close(depth, ']');
      auto colon = t.rfind(':');
      if (colon == std::string::npos || Chance(0.3)) return open + close;
      auto rest = t.find_first_of(",}", colon);
      return t.substr(0, colon + 1) + open + "1" + close + (rest == std::string::npos ? "" : t.substr(rest));
    }
    case 4: {  // invalid UTF-8 / escapes inside a string
      static const std::vector<std::string> bits = {"\xff\xfe", "\xc0\xaf", "\\ud800", "\\udfff\\ud800",
                                                    "\\u0000", "\xed\xa0\x80", "\\x41", "\\"};
      auto q = t.find(":\"");
      if (q == std::string::npos) return t + Pick(bits);
      return t.substr(0, q + 2) + Pick(bits) + t.substr(q + 2);
    }
    case 5: {
      static const std::vector<std::string> whole = {"", "null", "[]", "\"str\"", "42", "{}", "{\"network\": null}",
                                                     "<xml/>", "a=b&c=d", "{\"a\":1}{\"b\":2}", "{,}", "{\"a\"}",
                                                     std::string(3, '\0'), "\xef\xbb\xbf{}", "[1,2"};
      return Pick(whole);
    }
    case 6: {  // random bytes only
      std::string b;
      int n = Rand(400);
      for (int i = 0; i < n; ++i) b += static_cast<char>(Rand(256));
      return b;
    }
    case 7: {  // huge number literal
      auto colon = t.find(':');
      if (colon == std::string::npos) return t;
      return t.substr(0, colon + 1) + std::string(400, '9') + "e99999" + t.substr(t.find_first_of(",}", colon + 1) == std::string::npos ? t.size() : t.find_first_of(",}", colon + 1));
    }
    case 8: return t + t;
    default: return " \n\t" + t + " \n";
  }
}

std::string Fuzzer::JunkQuery() {
  static const std::vector<std::string> q = {
      "fields=id", "fields=id&fields=name", "limit=-1", "limit=0", "limit=99999999999999999999",
      "marker=junk", "marker=%ff", "page_reverse=true", "name=%ff%fe", "id=", "sort_key=id&sort_dir=up",
      "network_id=" + JunkId(), "admin_state_up=true", "fixed_ips=ip_address%3D10.0.0.1", "a=b&a=c&a=d",
      "%=%", "=", "&&&", "name=" + std::string(5000, 'q'), "shared=[1]"};
  std::string out;
  int n = 1 + Rand(3);
  for (int i = 0; i < n; ++i) out += (i ? "&" : "") + Pick(q);
  return out;
}

Req Fuzzer::GenerateCentral() {
  static const std::vector<std::string> kinds = {"network", "subnet", "port", "router", "floatingip"};
  static const std::map<std::string, std::string> plural = {{"network", "networks"}, {"subnet", "subnets"},
                                                            {"port", "ports"}, {"router", "routers"},
                                                            {"floatingip", "floatingips"}};
  Req r;
  int what = Rand(100);
  json body;
  if (what < 40) {  // create
    std::string k = Chance(0.03) ? "cloud" : Pick(kinds);
    r.method = "POST";
    r.path = "/v2.0/" + (k == "cloud" ? std::string("clouds") : plural.at(k));
    body = ValidBody(k);
  } else if (what < 50) {
    r.method = "PUT";
    r.path = "/v2.0/routers/" + PickId("router");
    body = ValidBody("router_update");
  } else if (what < 62) {
    r.method = "PUT";
    r.path = "/v2.0/routers/" + PickId("router") + (Chance(0.5) ? "/add_router_interface" : "/remove_router_interface");
    body = ValidBody("interface");
  } else if (what < 67) {
    r.method = "PUT";
    r.path = "/v2.0/floatingips/" + PickId("floatingip");
    body = ValidBody("floatingip_update");
  } else if (what < 70) {
    r.method = "PUT";
    // Never a host the cloud registered: central would then disagree with the
    // cloud about it (only the cloud itself reports its hosts).
    r.path = "/v2.0/clouds/" + (Chance(0.8) ? o_.cloud_name : JunkId()) + "/hosts/" +
             "fz-x-" + (Chance(0.5) ? std::to_string(Rand(4)) : JunkId());
    body = ValidBody("cloud_host");
  } else if (what < 80) {  // delete, more often when there is a lot
    std::string k = Pick(kinds);
    r.method = "DELETE";
    r.path = "/v2.0/" + plural.at(k) + "/" + PickId(k);
    if (Chance(0.05)) {
      std::string c = Chance(0.5) ? JunkId() : clouds_.empty() ? "x" : Pick(clouds_);
      if (c == o_.cloud_name) c = JunkId();  // the baseline's cloud stays
      r.path = "/v2.0/clouds/" + c;
    }
  } else if (what < 92) {  // reads
    r.method = "GET";
    std::string k = Pick(kinds);
    int v = Rand(4);
    r.path = v == 0 ? "/v2.0/" + plural.at(k) + "?" + JunkQuery()
             : v == 1 ? "/v2.0/" + plural.at(k) + "/" + PickId(k) + (Chance(0.3) ? "?" + JunkQuery() : "")
             : v == 2 ? "/v2.0/clouds/" + JunkId()
                      : Pick(std::vector<std::string>{"/v2.0", "/", "/v2.0/hosts", "/v2.0/outbox", "/v2.0/clouds"});
    return r;
  } else {  // odd methods and paths
    static const std::vector<std::string> methods = {"PATCH", "HEAD", "OPTIONS", "TRACE", "FOO", "DELETE", "PUT", "POST", "GET"};
    static const std::vector<std::string> paths = {
        "/v2.0/networks/", "/v2.0/networks//", "/v2.0//networks", "/v2.0/networks/../subnets", "/v2.0/networks.json",
        "/v2.0/routers/x/add_router_interface/y", "/v2.0/ports?", "/v2.0/%00", "/v3/auth/tokens", "/v2.0/floatingips/",
        "/v2.0/clouds/cloud1/hosts/", "/v2.0/clouds/cloud1/hosts/a/b", "//", "/v2.0/networks/%2e%2e/x",
        "/v2.0/routers", "/v2.0/networks", "/v2.0/subnets", "/v2.0/ports", "/v2.0/floatingips"};
    r.method = Pick(methods);
    r.path = Pick(paths);
    if (Chance(0.3)) r.path += "/" + JunkId();
    if (r.method == "DELETE" && r.path.rfind("/v2.0/clouds/" + o_.cloud_name, 0) == 0) r.method = "GET";
    body = ValidBody(Pick(kinds));
  }
  // Mutate most bodies; keep some valid so that state keeps changing.
  if (Chance(0.85)) MutateJson(body);
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  if (Chance(0.35)) r.body = MutateText(r.body);
  if (Chance(0.05)) r.content_type = Pick(std::vector<std::string>{"text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=latin1"});
  if (Chance(0.05)) r.path += "?" + JunkQuery();
  return r;
}

Req Fuzzer::GenerateCloud() {
  Req r;
  r.to_cloud = true;
  int what = Rand(100);
  json body;
  if (what < 50) {
    r.method = "POST";
    r.path = "/v1/federation/events";
    body = ValidBody("events");
    if (Chance(0.4)) MutateJson(body);
  } else if (what < 85) {
    r.method = "POST";
    r.path = "/v1/hosts";
    body = ValidBody("host");
    if (Chance(0.7)) MutateJson(body);
  } else if (what < 95) {
    r.method = "GET";
    static const std::vector<std::string> waits = {"0", "x", "-5", "0x10", "", "99999999999999999999", "0.5"};
    r.path = "/v1/hosts/" + (Chance(0.6) ? Pick(hosts_) : JunkId()) + "/state?after=" +
             Pick(std::vector<std::string>{"0", "-1", "x", "9223372036854775807", "99999999999999999999", "1e3"}) +
             "&wait=" + Pick(waits);
    return r;
  } else {
    static const std::vector<std::string> paths = {"/v1/dump", "/", "/v1/hosts", "/v1/federation/events",
                                                   "/v1/hosts//state", "/v1/nothing", "/v1/dump?x=%ff"};
    r.method = Pick(std::vector<std::string>{"GET", "PUT", "DELETE", "PATCH", "POST"});
    r.path = Pick(paths);
    body = ValidBody("host");
  }
  r.body = body.is_null() ? "" : body.dump(-1, ' ', false, json::error_handler_t::replace);
  if (Chance(0.3)) r.body = MutateText(r.body);
  return r;
}

Req Fuzzer::Generate() {
  if (Chance(0.3)) return GenerateCloud();
  Req r = GenerateCentral();
  if (!o_.token.empty() && Chance(0.04))  // no, a wrong or a mangled token: 401, nothing changes
    r.token = Pick(std::vector<std::string>{"", "junk", o_.token + "x", o_.token.substr(0, o_.token.size() / 2),
                                            std::string(10000, 'T'), "\xff"});
  return r;
}

// The baseline: two compute hosts and a network node registered at the cloud,
// an internal network with a subnet, a distributed router with an interface
// on it, a port bound to a host, an external network with a subnet, the
// router's gateway on it and a floating IP for the port. Re-made when the
// fuzzing deleted parts of it.
void Fuzzer::EnsureBaseline() {
  static const std::vector<std::pair<std::string, std::string>> hosts = {
      {"fz-h1", "compute"}, {"fz-h2", "compute"}, {"fz-net", "network"}};
  json dump = GetJson(true, "/v1/dump");
  for (size_t i = 0; i < hosts.size(); ++i)
    if (!dump.value("hosts", json::object()).contains(hosts[i].first)) {
      int st = 0;
      for (int tries = 0; tries < 200; ++tries) {  // 503 until the cloud has its prefix
        Call(true, "POST", "/v1/hosts",
             {{"host", {{"name", hosts[i].first}, {"role", hosts[i].second}, {"vtep_ip", "192.0.2." + std::to_string(11 + i)}}}}, &st);
        if (st == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (st != 200) Fail("cannot register host " + hosts[i].first + " at the cloud");
    }
  Snapshot s = Take();
  auto find = [&](const std::string& path, const std::string& key, const std::string& name) -> json {
    for (const auto& x : json::parse(s.central.at(path)).value(key, json::array()))
      if (x.value("name", "") == name) return x;
    return nullptr;
  };
  auto id_of = [&](const json& created, const std::string& key) -> std::string {
    if (!created.is_object() || !created.contains(key) || !created[key].is_object())
      Fail("setup: unexpected answer " + created.dump() + " (expected a " + key + ")");
    return created[key].value("id", "");
  };
  json net = find("/v2.0/networks", "networks", "fz-base");
  std::string net_id = net.is_null()
      ? id_of(Call(false, "POST", "/v2.0/networks", {{"network", {{"name", "fz-base"}, {"availability_zone_hints", {o_.cloud_name}}}}}), "network")
      : net.value("id", "");
  json sub = find("/v2.0/subnets", "subnets", "fz-base-sub");
  std::string sub_id = sub.is_null()
      ? id_of(Call(false, "POST", "/v2.0/subnets", {{"subnet", {{"name", "fz-base-sub"}, {"network_id", net_id}, {"cidr", "10.100.0.0/24"}, {"ip_version", 4}}}}), "subnet")
      : sub.value("id", "");
  // The external part is best effort: a fuzzed flat network may hold the
  // physical network; then that one is used.
  json ext = find("/v2.0/networks", "networks", "fz-ext");
  if (ext.is_null())
    for (const auto& n : json::parse(s.central.at("/v2.0/networks")).value("networks", json::array()))
      if (n.value("router:external", false)) ext = n;
  int est = 0;
  std::string ext_id;
  if (ext.is_null()) {
    json made = Call(false, "POST", "/v2.0/networks", {{"network", {{"name", "fz-ext"}, {"router:external", true}, {"provider:network_type", "flat"}, {"provider:physical_network", "external"}, {"availability_zone_hints", {o_.cloud_name}}}}}, &est);
    if (est == 201) ext_id = id_of(made, "network");
  } else {
    ext_id = ext.value("id", "");
  }
  bool ext_has_subnet = false;
  for (const auto& x : json::parse(s.central.at("/v2.0/subnets")).value("subnets", json::array()))
    ext_has_subnet |= x.value("network_id", "") == ext_id;
  if (!ext_id.empty() && !ext_has_subnet)
    Call(false, "POST", "/v2.0/subnets", {{"subnet", {{"name", "fz-ext-sub"}, {"network_id", ext_id}, {"cidr", "172.30.0.0/24"}, {"ip_version", 4}, {"enable_dhcp", false}}}}, &est);
  json router = find("/v2.0/routers", "routers", "fz-router");
  std::string router_id = router.is_null()
      ? id_of(Call(false, "POST", "/v2.0/routers", {{"router", {{"name", "fz-router"}, {"distributed", true}, {"availability_zone_hints", {o_.cloud_name}}}}}), "router")
      : router.value("id", "");
  int st = 0;
  Call(false, "PUT", "/v2.0/routers/" + router_id + "/add_router_interface", {{"subnet_id", sub_id}}, &st);  // 409/400 if there
  if (router.is_null() || router["external_gateway_info"].is_null())
    Call(false, "PUT", "/v2.0/routers/" + router_id, {{"router", {{"external_gateway_info", {{"network_id", ext_id}}}}}}, &st);
  json port = find("/v2.0/ports", "ports", "fz-port");
  std::string port_id = port.is_null()
      ? id_of(Call(false, "POST", "/v2.0/ports", {{"port", {{"name", "fz-port"}, {"network_id", net_id}, {"binding:host_id", "fz-h1"}, {"device_owner", "compute:nova"}}}}), "port")
      : port.value("id", "");
  bool has_fip = false;
  for (const auto& f : json::parse(s.central.at("/v2.0/floatingips")).value("floatingips", json::array()))
    has_fip |= f.value("port_id", json()).is_string() && f["port_id"] == port_id;
  if (!has_fip) Call(false, "POST", "/v2.0/floatingips", {{"floatingip", {{"floating_network_id", ext_id}, {"port_id", port_id}}}}, &st);
}

int Fuzzer::Run() {
  auto t0 = Clock::now();
  auto block_t0 = t0;
  cpu_at_block_start_ = CpuSeconds();
  EnsureBaseline();
  std::optional<Snapshot> before;
  for (int i = 0; i < o_.requests; ++i) {
    if (i % 250 == 0) {
      EnsureBaseline();
      before.reset();
    }
    // Keep the live state bounded (live_set.h): past a cap the oldest goes.
    // Every 25 requests: a removal central refuses is not retried at once.
    if (i % 25 == 0) {
      auto steps = live_.Plan(lists_);
      for (const auto& step : steps) Remove(step, i);
      if (!steps.empty()) {
        EnsureBaseline();
        before.reset();
      }
    }
    if (i > 0 && i % 1000 == 0) {
      EndBlock(block_t0);
      std::cout << "api_fuzz: " << i << " requests, " << static_cast<int>(std::chrono::duration<double>(Clock::now() - t0).count())
                << " s; the last 1,000: " << static_cast<int>(1000 / block_secs_.back()) << " requests/s, "
                << static_cast<int>(block_cpu_.back()) << " CPU s; " << reads_ << " snapshot reads so far; " << StateSize()
                << std::endl;
    }
    if (!before) before = Take();
    Req r = Generate();
    last_ = r.Describe();
    Reply rep = Send(r);
    ++sent_;
    slowest_ms_ = std::max(slowest_ms_, rep.ms);
    if (o_.verbose) std::cerr << (rep.ok ? std::to_string(rep.status) : rep.error) << " " << r.Describe().substr(0, 200) << "\n";
    std::string shape = r.method + " " + (r.to_cloud ? "cloud" : "central") + " " + r.path.substr(0, r.path.find_first_of("?")).substr(0, 30);
    if (!rep.ok && r.body.size() > kBodyCapBytes && rep.error == "Write") {
      // A body over the daemons' cap is answered 413 and the connection closed
      // while the client may still be writing: the refusal reaches it as a
      // failed write. Checked as a refusal: nothing may have changed.
      ++refused_;
      Snapshot after = Take();
      if (!(after == *before))
        Finding(shape + " changed state", "oversized request #" + std::to_string(i) + " changed state: " + r.Describe() + Diff(*before, after));
      before = std::move(after);
      continue;
    }
    if (!rep.ok) {
      bool hang = rep.ms >= o_.timeout_ms - 50;
      Finding(shape + " transport",
              std::string(hang ? "no answer within " + std::to_string(o_.timeout_ms) + " ms (hang)" : "connection failed (" + rep.error + ")") +
              " for request #" + std::to_string(i) + ": " + r.Describe());
      before.reset();
      continue;
    }
    ++status_counts_[rep.status];
    // 501 is the HTTP answer to a method the server does not implement (the
    // daemons' server serves GET, POST, PUT, DELETE, HEAD and PATCH): a refusal, checked as one.
    static const std::set<std::string> served = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"};
    bool unserved_method = rep.status == 501 && !served.count(r.method);
    if (rep.status >= 500 && !unserved_method) {
      json e = json::parse(rep.body, nullptr, false);
      std::string msg = e.is_object() && e.contains("NeutronError") ? e["NeutronError"].value("message", "") : rep.body;
      Finding(std::to_string(rep.status) + " " + msg.substr(0, 60),
              "HTTP " + std::to_string(rep.status) + " " + rep.body.substr(0, 500) + " for request #" + std::to_string(i) + ": " + r.Describe());
      before.reset();
      continue;
    }
    if (rep.status >= 400) {
      ++refused_;
      Snapshot after = Take();
      if (!(after == *before))
        Finding(shape + " changed state",
                "refused request #" + std::to_string(i) + " (HTTP " + std::to_string(rep.status) + " " + rep.body.substr(0, 300) +
                ") changed state: " + r.Describe() + Diff(*before, after));
      before = std::move(after);
    } else if (rep.status >= 200 && rep.status < 300) {
      ++accepted_;
      if (r.method != "GET") before.reset();
    } else {
      ++other_;
      if (r.method != "GET") before.reset();
    }
  }
  if (o_.requests > 0) EndBlock(block_t0);
  Take();  // the federation settles at the end, too
  if (findings_) Fail(std::to_string(findings_) + " failures (" + std::to_string(seen_findings_.size()) + " distinct), printed above");
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  PrintSummary(std::cout);
  PrintRates(std::cout);
  std::cout << "api_fuzz: " << o_.requests << " requests in " << static_cast<int>(secs) << " s (seed " << o_.seed << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A daemon may close a connection this client is still writing to (a
  // refused body, a reset): that is an answer to record, not a reason for the
  // fuzzer to die of SIGPIPE (exit status 141, no report; seen with seed 1796180009).
  std::signal(SIGPIPE, SIG_IGN);
  Options o;
  if (const char* t = std::getenv("ISTHMUS_TOKEN")) o.token = t;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "api_fuzz: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--central") o.central = next();
    else if (a == "--cloud") o.cloud = next();
    else if (a == "--cloud-name") o.cloud_name = next();
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--requests") o.requests = std::stoi(next());
    else if (a == "--timeout-ms") o.timeout_ms = std::stoi(next());
    else if (a == "--token") o.token = next();
    else if (a == "-v" || a == "--verbose") o.verbose = true;
    else if (a == "--keep-going") o.keep_going = true;
    else if (a == "--daemon-pids") {
      std::stringstream pids(next());
      for (std::string p; std::getline(pids, p, ',');) o.daemon_pids.push_back(std::atoi(p.c_str()));
    }
    else {
      std::cerr << "usage: api_fuzz --central URL --cloud URL [--cloud-name cloud1] [--seed N]\n"
                   "                [--requests N] [--timeout-ms MS] [--token TOKEN (or $ISTHMUS_TOKEN)]\n"
                   "                [--keep-going] [--daemon-pids PID,PID] [-v]\n";
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if (o.central.empty() || o.cloud.empty()) {
    std::cerr << "api_fuzz: --central and --cloud are required\n";
    return 2;
  }
  if (!isthmus::Endpoint::Parse(o.central).ok() || !isthmus::Endpoint::Parse(o.cloud).ok()) {
    std::cerr << "api_fuzz: bad --central or --cloud URL\n";
    return 2;
  }
  std::cout << "api_fuzz: seed " << o.seed << ", " << o.requests << " requests\n";
  try {
    return Fuzzer(o).Run();
  } catch (const std::exception& e) {
    std::cerr << "api_fuzz: FAIL: unexpected exception in the fuzzer: " << e.what() << "\n";
    return 1;
  }
}
