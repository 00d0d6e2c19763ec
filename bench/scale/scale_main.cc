// bench/scale: central, N cloud controllers (real processes of the built
// isthmus binary) and N x H simulated agents in this process; fills networks
// and ports through central's API, then runs a rate-limited stream of port
// creates and deletes and prints how fast and how far each one spread
// (docs/architecture.md, "Scale harness"). A benchmark: it asserts nothing.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "bench/scale/agents.h"
#include "bench/scale/federation.h"
#include "bench/scale/model.h"
#include "bench/scale/tracker.h"
#include "bench/scale/scale_run.h"

using namespace isthmus;
using namespace isthmus::bench;
using nlohmann::json;

namespace {



void Usage() {
  std::fprintf(stderr,
               "usage: bench_scale [--clouds N] [--hosts-per-cloud N] [--networks N] [--ports N]\n"
               "  [--events N] [--rate PER_S] [--fill-clients N] [--loops N] [--seed N]\n"
               "  [--isthmus PATH] [--central-port P] [--cloud-port-base P] [--keep]\n"
               "defaults: 10 clouds x 1000 hosts, 1000 networks, 100000 ports, 1000 events at 50/s;\n"
               "central on 127.0.0.1:19696, cloud k on 19700+k; --keep keeps the temp dir (DBs, logs)\n");
}

bool ParseOptions(int argc, char** argv, Options& o) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string exe = n > 0 ? std::string(self, n) : "";
  o.fed.isthmus = std::filesystem::path(exe).parent_path().parent_path() / "isthmus";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](int& v) { return i + 1 < argc && (v = std::atoi(argv[++i]), v > 0); };
    bool ok = true;
    if (a == "--clouds") ok = next(o.shape.clouds);
    else if (a == "--hosts-per-cloud") ok = next(o.shape.hosts_per_cloud);
    else if (a == "--networks") ok = next(o.shape.networks);
    else if (a == "--ports") ok = next(o.shape.ports);
    else if (a == "--events") ok = next(o.events);
    else if (a == "--fill-clients") ok = next(o.fill_clients);
    else if (a == "--loops") ok = next(o.loops);
    else if (a == "--seed") ok = next(o.seed);
    else if (a == "--central-port") ok = next(o.fed.central_port);
    else if (a == "--cloud-port-base") ok = next(o.fed.cloud_port_base);
    else if (a == "--rate" && i + 1 < argc) ok = (o.rate = std::atof(argv[++i])) > 0;
    else if (a == "--isthmus" && i + 1 < argc) o.fed.isthmus = argv[++i];
    else if (a == "--keep") o.keep = true;
    else if (a == "--help") Usage(), std::exit(0);
    else ok = false;
    if (!ok) {
      std::fprintf(stderr, "bench_scale: bad or unknown option %s\n", a.c_str());
      return false;
    }
  }
  o.fed.clouds = o.shape.clouds;
  if (o.shape.networks > 4096) {
    std::fprintf(stderr, "bench_scale: at most 4096 networks (a /20 each in 10.0.0.0/8)\n");
    return false;
  }
  return true;
}

bool CreateNetworks(CentralClient& c, ScaleModel& m) {
  json q = {{"quota", {{"network", -1}, {"subnet", -1}, {"port", -1}}}};
  if (auto [s, b] = c.Call("PUT", "/v2.0/quotas/admin", &q); s != 200) {
    std::fprintf(stderr, "quota update refused: %d %s\n", s, b.dump().c_str());
    return false;
  }
  for (size_t n = 0; n < m.networks().size(); ++n) {
    NetPlan& net = m.networks()[n];
    json zones = json::array();
    for (int cl : net.clouds) zones.push_back(m.CloudName(cl));
    json nb = {{"network", {{"name", "scale-net-" + std::to_string(n)}, {"availability_zone_hints", zones}}}};
    auto [s1, r1] = c.Call("POST", "/v2.0/networks", &nb);
    if (s1 != 201) {
      std::fprintf(stderr, "network create: %d %s\n", s1, r1.dump().c_str());
      return false;
    }
    net.id = r1["network"]["id"];
    json sb = {{"subnet", {{"network_id", net.id}, {"ip_version", 4}, {"cidr", net.cidr}, {"enable_dhcp", false}}}};
    auto [s2, r2] = c.Call("POST", "/v2.0/subnets", &sb);
    if (s2 != 201) {
      std::fprintf(stderr, "subnet create: %d %s\n", s2, r2.dump().c_str());
      return false;
    }
    net.subnet_id = r2["subnet"]["id"];
  }
  return true;
}

// Fills the ports with parallel keep-alive clients; returns the live ports.
std::vector<PortPlan> Fill(Federation& fed, const std::string& dir, ScaleModel& m, int clients) {
  std::vector<PortPlan> plans;
  for (int i = 0; i < m.shape().ports; ++i) plans.push_back(m.NewPort());
  std::atomic<int> next{0}, failed{0};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&] {
      CentralClient c(fed, dir);
      for (int i; (i = next++) < static_cast<int>(plans.size());) {
        json body = PortBody(m, plans[i]);
        auto [s, r] = c.Call("POST", "/v2.0/ports", &body);
        if (s == 201) {
          plans[i].id = r["port"]["id"];
        } else if (failed++ < 5) {
          std::fprintf(stderr, "port create: %d %s\n", s, r.dump().substr(0, 300).c_str());
        }
        if (i > 0 && i % std::max(1000, m.shape().ports / 10) == 0)
          std::printf("  %d ports, %.0f creates/s so far\n", i, i / Secs(t0, Clock::now()));
        std::fflush(stdout);
      }
    });
  for (auto& t : threads) t.join();
  double s = Secs(t0, Clock::now());
  std::vector<PortPlan> live;
  for (auto& p : plans)
    if (!p.id.empty()) {
      m.Bound(p);
      live.push_back(p);
    }
  std::printf("fill: %zu ports in %.1f s: %.0f creates/s (%d clients, %d failed)\n", live.size(), s,
              live.size() / s, clients, failed.load());
  return live;
}

// Central delivered every event to every cloud.
bool WaitDelivered(CentralClient& c, int timeout_s) {
  auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  while (Clock::now() < deadline) {
    auto [s, b] = c.Call("GET", "/v2.0/outbox", nullptr);
    bool done = s == 200;
    if (done)
      for (const auto& [cloud, o] : b["outbox"].items()) done = done && o.value("pending", 1) == 0;
    if (done) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

}  // namespace

int RunScale(const Options& o);

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show as they happen
  Options o;
  if (!ParseOptions(argc, argv, o)) {
    Usage();
    return 2;
  }
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  long need = static_cast<long>(o.shape.clouds) * o.shape.hosts_per_cloud + o.fill_clients + 256;
  if (static_cast<long>(rl.rlim_cur) < need) {
    std::fprintf(stderr, "bench_scale: needs %ld file descriptors, the hard limit is %ld\n", need,
                 static_cast<long>(rl.rlim_max));
    return 2;
  }
  char tmpl[] = "/tmp/isthmus-scale-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  o.fed.dir = tmpl;
  int rc = RunScale(o);
  if (!o.keep) std::filesystem::remove_all(o.fed.dir);
  else std::printf("kept %s (DBs, TLS files, daemon logs)\n", o.fed.dir.c_str());
  return rc;
}

int RunScale(const Options& o) {
  const ScaleShape& sh = o.shape;
  int total_hosts = sh.clouds * sh.hosts_per_cloud;
  std::printf("bench_scale: %d clouds x %d hosts = %d simulated agents, %d networks, %d ports, "
              "then %d events at %.0f/s (mutual TLS, a certificate per host)\n",
              sh.clouds, sh.hosts_per_cloud, total_hosts, sh.networks, sh.ports, o.events, o.rate);
  ScalePki pki;
  if (Status st = pki.Init(); !st.ok()) return std::fprintf(stderr, "%s\n", st.message().c_str()), 1;
  Federation fed(o.fed, pki);
  auto t0 = Clock::now();
  if (Status st = fed.Start(); !st.ok())
    return std::fprintf(stderr, "bench_scale: %s\n", st.message().c_str()), 1;
  std::printf("central and %d clouds up in %.1f s (%s)\n", sh.clouds, Secs(t0, Clock::now()), o.fed.dir.c_str());
  ScaleModel m(sh, o.seed);
  t0 = Clock::now();
  std::vector<SimHost> hosts;
  for (int h = 0; h < total_hosts; ++h) {
    auto kc = pki.Issue("host/" + m.CloudName(m.CloudOf(h)) + "/" + m.HostName(h));
    if (!kc.ok()) return std::fprintf(stderr, "%s\n", kc.status().message().c_str()), 1;
    hosts.push_back({m.HostName(h), m.CloudName(m.CloudOf(h)), o.fed.cloud_port_base + m.CloudOf(h) + 1,
                     m.VtepIp(h), std::move(*kc)});
  }
  std::printf("%d host keys and certificates in %.2f s\n", total_hosts, Secs(t0, Clock::now()));
  Tracker tracker(total_hosts);
  SimulatedAgents agents(std::move(hosts), pki.ca(), o.loops,
                         [&](int h, int64_t rev, std::string_view body, Clock::time_point t) {
                           tracker.Observe(h, rev, body, t);
                         });
  t0 = Clock::now();
  bool all = agents.RegisterAll(32, std::chrono::minutes(30));
  std::printf("registration: %d/%d hosts in %.1f s (%.0f/s), %ld errors\n", agents.registered(),
              total_hosts, Secs(t0, Clock::now()), agents.registered() / Secs(t0, Clock::now()),
              agents.errors());
  if (!all) return 1;
  CentralClient central(fed, o.fed.dir);
  t0 = Clock::now();
  while (true) {  // the clouds report their hosts to central, which binds ports only to known hosts
    auto [s, b] = central.Call("GET", "/v2.0/hosts", nullptr);
    if (s == 200 && static_cast<int>(b["hosts"].size()) >= total_hosts) break;
    if (Secs(t0, Clock::now()) > 1800) return std::fprintf(stderr, "central never knew every host\n"), 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::printf("central knows every host %.1f s later\n", Secs(t0, Clock::now()));
  t0 = Clock::now();
  if (!CreateNetworks(central, m)) return 1;
  std::printf("%d networks with a subnet each in %.1f s\n", sh.networks, Secs(t0, Clock::now()));
  std::vector<PortPlan> live = Fill(fed, o.fed.dir, m, o.fill_clients);
  t0 = Clock::now();
  if (!WaitDelivered(central, 3600)) return std::fprintf(stderr, "central never delivered every event\n"), 1;
  std::printf("every event delivered to the clouds %.1f s after the fill\n", Secs(t0, Clock::now()));
  return RunStreamAndReport(o, fed, m, agents, tracker, std::move(live));
}
