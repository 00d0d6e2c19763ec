// The scale harness's steady stream (rate-limited creates and deletes of ports,
// alternating) and its report: rates, 201 -> last affected agent p50/p99, hosts
// woken per event, spurious wake-ups, CPU per event and RSS of every daemon, and
// the clouds' own recompute figures from their /metrics.
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "bench/scale/scale_run.h"

namespace isthmus::bench {
namespace {

using nlohmann::json;

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// The cloud's counters and histogram sums we report (label-less series).
std::map<std::string, double> CloudMetrics(int port) {
  std::map<std::string, double> out;
  auto r = HttpCall(Endpoint{"127.0.0.1", port, true}, "GET", "/metrics", nullptr, 10000);
  if (!r.ok() || r->status != 200) return out;
  std::istringstream in(r->raw);
  std::string line;
  for (const char* name : {"isthmus_cloud_recompute_seconds_sum", "isthmus_cloud_recompute_seconds_count",
                           "isthmus_cloud_recompute_hosts_sum", "isthmus_cloud_hosts_woken_total",
                           "isthmus_cloud_events_applied_total", "isthmus_cloud_state_answers_total{kind=\"full\"}",
                           "isthmus_cloud_state_answers_total{kind=\"delta\"}",
                           "isthmus_cloud_state_answer_bytes_total{kind=\"full\"}",
                           "isthmus_cloud_state_answer_bytes_total{kind=\"delta\"}"})
    out[name] = 0;
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos || line[0] == '#') continue;
    std::string name = line.substr(0, sp);
    if (out.count(name)) out[name] = std::atof(line.c_str() + sp + 1);
  }
  return out;
}

struct Snapshot {
  ProcFigures central;
  ProcFigures harness;  // this process: the simulated agents (and the stream's client)
  std::vector<ProcFigures> clouds;
  std::vector<std::map<std::string, double>> metrics;
};

Snapshot Take(Federation& fed) {
  Snapshot s;
  if (auto p = ReadProc(fed.central().pid); p.ok()) s.central = *p;
  if (auto p = ReadProc(getpid()); p.ok()) s.harness = *p;
  for (const auto& c : fed.clouds()) {
    auto p = ReadProc(c.pid);
    s.clouds.push_back(p.ok() ? *p : ProcFigures{});
    s.metrics.push_back(CloudMetrics(c.port));
  }
  return s;
}

bool WaitFor(const char* what, int timeout_s, const std::function<bool()>& fn) {
  auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  while (!fn()) {
    if (Clock::now() > deadline) {
      std::printf("gave up waiting for %s after %d s\n", what, timeout_s);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

struct StreamFigures {
  int creates = 0, deletes = 0, failed = 0;
  double seconds = 0;
  std::vector<double> api_ms;
};

StreamFigures Stream(const Options& o, Federation& fed, ScaleModel& m, Tracker& tracker,
                     std::vector<PortPlan>& live) {
  StreamFigures f;
  CentralClient c(fed, o.fed.dir);
  auto start = Clock::now();
  auto interval = std::chrono::duration<double>(1.0 / o.rate);
  for (int i = 0; i < o.events; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(interval * i));
    bool create = i % 2 == 0 || live.empty();
    PortPlan p;
    size_t victim = 0;
    if (create) {
      p = m.NewPort();
    } else {
      // Only ports made by the fill: a stream port deleted before its create
      // reached every host would leave that create incomplete for good.
      victim = m.rng()() % live.size();
      p = live[victim];
    }
    int ev = tracker.Begin(p.mac, create, p.network, m.AffectedBy(p));
    auto sent = Clock::now();
    json body = PortBody(m, p);
    auto [s, r] = create ? c.Call("POST", "/v2.0/ports", &body) : c.Call("DELETE", "/v2.0/ports/" + p.id, nullptr);
    auto answered = Clock::now();
    if (s != (create ? 201 : 204)) {
      if (f.failed++ < 5) std::fprintf(stderr, "stream: HTTP %d %s\n", s, r.dump().substr(0, 300).c_str());
      continue;
    }
    tracker.Answered(ev, answered);
    f.api_ms.push_back(std::chrono::duration<double, std::milli>(answered - sent).count());
    if (create) {
      p.id = r["port"]["id"];
      m.Bound(p);
      ++f.creates;
    } else {
      m.Unbound(p);
      if (m.networks()[p.network].ports_on_host.count(p.host) == 0) tracker.HostLeft(p.host, p.network);
      live[victim] = live.back();
      live.pop_back();
      ++f.deletes;
    }
  }
  f.seconds = Secs(start, Clock::now());
  return f;
}

void Report(const Options& o, Federation& fed, const Snapshot& a, const Snapshot& b,
            const StreamFigures& f, const Tracker& tracker) {
  int events = f.creates + f.deletes;
  std::printf("\nsteady stream: %d creates + %d deletes (%d failed) in %.1f s: %.1f creates/s, %.1f events/s "
              "(asked %.0f/s)\n",
              f.creates, f.deletes, f.failed, f.seconds, f.creates / f.seconds, events / f.seconds, o.rate);
  std::printf("  API answer (201/204): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", Percentile(f.api_ms, 0.5),
              Percentile(f.api_ms, 0.99), Percentile(f.api_ms, 1.0));
  std::vector<double> lat;
  double expected_sum = 0;
  int woken_max = 0, expected_max = 0, incomplete = 0;
  for (const auto& r : tracker.Results()) {
    if (r.latency_ms < 0) ++incomplete;
    else lat.push_back(r.latency_ms);
    woken_max = std::max(woken_max, r.woken);
    expected_sum += r.expected;
    expected_max = std::max(expected_max, r.expected);
  }
  size_t n = std::max<size_t>(1, tracker.Results().size());
  std::printf("  201 -> last affected agent holding it: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
              "(%zu events; %d never complete)  target p99 < 100 ms: %s\n",
              Percentile(lat, 0.5), Percentile(lat, 0.99), Percentile(lat, 1.0), lat.size(), incomplete,
              Percentile(lat, 0.99) < 100 && incomplete == 0 ? "MET" : "NOT MET");
  std::printf("  hosts that had to change per event: mean %.1f, max %d\n", expected_sum / n, expected_max);
  std::printf("  hosts woken per event: mean %.1f (%ld new revisions over the stream), max %d (the most "
              "revisions received while one event was the newest sent; clouds coalesce events into one "
              "recompute)\n",
              static_cast<double>(tracker.stream_wakes()) / n, tracker.stream_wakes(), woken_max);
  std::printf("  spurious wake-ups (new revision, same HostState): %ld of %ld revisions since the "
              "watch began  (must be 0: %s)\n",
              tracker.spurious(), tracker.revisions(), tracker.spurious() == 0 ? "ok" : "FAILED");
  double ev = std::max(1, events);
  double clouds_cpu = 0;
  for (size_t k = 0; k < b.clouds.size(); ++k) clouds_cpu += b.clouds[k].cpu_s - a.clouds[k].cpu_s;
  std::printf("  CPU per event: central %.2f ms, clouds %.2f ms (all %zu together; over the stream and "
              "until every agent held it); this harness %.2f ms (the simulated agents merging, checking "
              "and tracking every revision, on the same cores)\n",
              1000 * (b.central.cpu_s - a.central.cpu_s) / ev, 1000 * clouds_cpu / ev, b.clouds.size(),
              1000 * (b.harness.cpu_s - a.harness.cpu_s) / ev);
  std::printf("\nRSS: central %.1f MiB\n", b.central.rss_kib / 1024.0);
  for (size_t k = 0; k < b.clouds.size(); ++k) {
    auto d = [&](const char* name) { return b.metrics[k].at(name) - a.metrics[k].at(name); };
    double recomputes = d("isthmus_cloud_recompute_seconds_count");
    std::printf("  %-8s RSS %7.1f MiB, stream CPU %6.2f s; its /metrics over the stream: %5.0f events "
                "applied, %5.0f recomputes (%.2f ms each, %.1f hosts each), %5.0f hosts woken\n",
                fed.clouds()[k].name.c_str(), b.clouds[k].rss_kib / 1024.0,
                b.clouds[k].cpu_s - a.clouds[k].cpu_s, d("isthmus_cloud_events_applied_total"), recomputes,
                recomputes > 0 ? 1000 * d("isthmus_cloud_recompute_seconds_sum") / recomputes : 0.0,
                recomputes > 0 ? d("isthmus_cloud_recompute_hosts_sum") / recomputes : 0.0,
                d("isthmus_cloud_hosts_woken_total"));
    double full = d("isthmus_cloud_state_answers_total{kind=\"full\"}"),
           deltas = d("isthmus_cloud_state_answers_total{kind=\"delta\"}");
    std::printf("  %-8s answers over the stream: %5.0f whole states (%.1f KiB each), %5.0f deltas (%.2f KiB each)\n",
                "", full, full > 0 ? d("isthmus_cloud_state_answer_bytes_total{kind=\"full\"}") / full / 1024 : 0.0,
                deltas, deltas > 0 ? d("isthmus_cloud_state_answer_bytes_total{kind=\"delta\"}") / deltas / 1024 : 0.0);
  }
}

}  // namespace

int RunStreamAndReport(const Options& o, Federation& fed, ScaleModel& m, SimulatedAgents& agents,
                       Tracker& tracker, std::vector<PortPlan> live) {
  int total = static_cast<int>(agents.hosts().size());
  auto t0 = Clock::now();
  agents.StartWatching(50);
  if (!WaitFor("every agent's first state", 1800, [&] { return agents.watching() >= total; })) return 1;
  std::printf("every agent holds its state (long-poll open) %.1f s later, %ld transport errors\n",
              Secs(t0, Clock::now()), agents.errors());
  // Quiet: no new revision for a second.
  long last = -1;
  WaitFor("the agents to go quiet", 120, [&] {
    long now = tracker.revisions();
    bool quiet = now == last;
    last = now;
    if (!quiet) std::this_thread::sleep_for(std::chrono::milliseconds(900));
    return quiet;
  });
  Snapshot before = Take(fed);
  tracker.SetStreaming(true);
  StreamFigures f = Stream(o, fed, m, tracker, live);
  if (!WaitFor("every affected agent to hold every event", 60, [&] { return tracker.incomplete() == 0; }))
  {
    std::printf("%s", tracker.DescribeIncomplete(5).c_str());
    for (auto [mac, h] : tracker.IncompletePairs(3)) {
      const SimHost& sh = agents.hosts()[h];
      auto r = HttpCall(Endpoint{"127.0.0.1", sh.port, true}, "GET", "/v1/hosts/" + sh.name + "/state?after=0&wait=0");
      std::printf("  host %d %s: the cloud's state for it now %s %s (%s)\n", h, sh.name.c_str(),
                  r.ok() && r->raw.find(mac) != std::string::npos ? "holds" : "lacks", mac.c_str(),
                  r.ok() ? r->raw.substr(0, 400).c_str() : "unreachable");
    }
  }
  tracker.SetStreaming(false);
  Snapshot after = Take(fed);
  Report(o, fed, before, after, f, tracker);
  std::printf("agent transport errors: %ld\n", agents.errors());
  std::printf("agents took %ld whole states and %ld deltas (%ld deltas refused: merged state's digest not the "
              "cloud's, whole state asked again)\n",
              agents.full_answers(), agents.delta_answers(), agents.refused_deltas());
  return 0;
}

}  // namespace isthmus::bench
