// Load on a Neutron API (isthmus central or any Neutron): one network with
// /16 subnets, then N port creates from C keep-alive clients. Prints creates/s
// overall and per tenth, last tenth / first tenth, one keep-alive client's
// rate, the p50 of GET /v2.0/ports?network_id=X&limit=100 and the server's RSS.
// Figures only: asserts nothing on timing.
//   bench_api_load --url http://127.0.0.1:9696 [--token T] [--ca FILE]
//                  [--ports 10000] [--clients 8] [--single 1000] [--lists 50]
//                  [--pid PID] [--cloud NAME --cloud-endpoint URL] [--no-quota]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string url = "http://127.0.0.1:9696", token, ca, cloud, cloud_endpoint = "http://127.0.0.1:1";
  int ports = 10000, clients = 8, single = 1000, lists = 50, pid = 0;
  bool set_quota = true;
};

struct Api {
  const Options& o;
  std::unique_ptr<httplib::Client> cli;
  explicit Api(const Options& opts) : o(opts), cli(std::make_unique<httplib::Client>(opts.url)) {
    cli->set_keep_alive(true);
    cli->set_tcp_nodelay(true);  // headers and body go in two writes: no Nagle wait for a delayed ACK
    cli->set_read_timeout(120, 0);
    if (!o.ca.empty()) cli->set_ca_cert_path(o.ca.c_str());
    if (!o.token.empty()) cli->set_default_headers({{"X-Auth-Token", o.token}});
  }
  // The answer's status and body (status 0: no answer).
  std::pair<int, json> Call(const std::string& method, const std::string& path, const json& body = nullptr) {
    httplib::Result r = method == "GET"    ? cli->Get(path)
                        : method == "PUT"  ? cli->Put(path, body.dump(), "application/json")
                                           : cli->Post(path, body.dump(), "application/json");
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
};

[[noreturn]] void Die(const std::string& what, const std::pair<int, json>& r) {
  std::cerr << "api_load: " << what << ": HTTP " << r.first << " " << r.second.dump() << "\n";
  std::exit(1);
}

long RssKiB(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// CPU seconds (user + system) the process `pid` used so far; -1 if unknown.
double CpuSeconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream rest(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)  // fields 14 and 15: utime, stime
    if (i >= 14) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// This process's CPU seconds (user + system) so far.
double OwnCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Creates `count` ports on the network from `clients` threads; returns each
// create's finish time (seconds since start), in finishing order.
std::vector<double> CreatePorts(const Options& o, const std::string& net, int count, int clients,
                                std::atomic<int>& failures) {
  std::atomic<int> next{0};
  std::vector<double> done(count);
  std::atomic<int> finished{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&] {
      Api api(o);
      while (next.fetch_add(1) < count) {
        auto r = api.Call("POST", "/v2.0/ports", {{"port", {{"network_id", net}}}});
        if (r.first != 201) {
          if (failures.fetch_add(1) < 3) std::cerr << "api_load: create: HTTP " << r.first << " " << r.second.dump() << "\n";
        }
        done[finished.fetch_add(1)] = std::chrono::duration<double>(Clock::now() - start).count();
      }
    });
  for (auto& t : threads) t.join();
  return done;
}

int Run(const Options& o) {
  Api api(o);
  std::string project;
  if (!o.cloud.empty()) {  // isthmus: a cloud for the network (its pushes just fail and retry)
    auto r = api.Call("POST", "/v2.0/clouds", {{"cloud", {{"name", o.cloud}, {"endpoint", o.cloud_endpoint}}}});
    if (r.first != 201 && r.first != 409) Die("create cloud", r);
  }
  json net_req = {{"name", "api-load"}};
  if (!o.cloud.empty()) net_req["availability_zone_hints"] = {o.cloud};
  auto n = api.Call("POST", "/v2.0/networks", {{"network", net_req}});
  if (n.first != 201) Die("create network", n);
  const std::string net = n.second["network"]["id"];
  project = n.second["network"].value("project_id", n.second["network"].value("tenant_id", ""));
  if (o.set_quota && !project.empty()) {
    auto q = api.Call("PUT", "/v2.0/quotas/" + project, {{"quota", {{"port", -1}}}});
    if (q.first != 200) Die("set the port quota unlimited", q);
  }
  // /16 subnets, enough for every port (65,533 addresses each).
  int subnets = (o.ports + o.single + 65000) / 65000;
  for (int i = 0; i < subnets; ++i) {
    std::string cidr = "10." + std::to_string(100 + i) + ".0.0/16";
    auto s = api.Call("POST", "/v2.0/subnets",
                      {{"subnet", {{"network_id", net}, {"cidr", cidr}, {"ip_version", 4}, {"enable_dhcp", false}}}});
    if (s.first != 201) Die("create subnet " + cidr, s);
  }
  std::printf("network %s, %d subnet(s) /16, %d ports, %d clients\n", net.c_str(), subnets, o.ports, o.clients);
  std::atomic<int> failures{0};
  const double server_cpu0 = o.pid > 0 ? CpuSeconds(o.pid) : -1, client_cpu0 = OwnCpuSeconds();
  auto done = CreatePorts(o, net, o.ports, o.clients, failures);
  double total = done.empty() ? 0 : done.back();
  std::printf("creates: %d in %.2f s = %.0f/s (%d failed)\n", o.ports, total, total > 0 ? o.ports / total : 0.0,
              failures.load());
  // Where the time goes: CPU per create of the server and of this client (same machine).
  std::printf("CPU per create: client %.0f us", (OwnCpuSeconds() - client_cpu0) / o.ports * 1e6);
  if (server_cpu0 >= 0) std::printf(", server %.0f us", (CpuSeconds(o.pid) - server_cpu0) / o.ports * 1e6);
  std::printf("\n");
  std::vector<double> tenth_rate;
  for (int t = 0; t < 10 && o.ports >= 10; ++t) {
    size_t a = static_cast<size_t>(o.ports) * t / 10, b = static_cast<size_t>(o.ports) * (t + 1) / 10;
    double t0 = a == 0 ? 0.0 : done[a - 1], t1 = done[b - 1];
    tenth_rate.push_back(t1 > t0 ? (b - a) / (t1 - t0) : 0.0);
  }
  if (!tenth_rate.empty()) {
    std::printf("per tenth (creates/s):");
    for (double r : tenth_rate) std::printf(" %.0f", r);
    std::printf("\nlast tenth / first tenth: %.2f\n", tenth_rate.front() > 0 ? tenth_rate.back() / tenth_rate.front() : 0.0);
  }
  if (o.single > 0) {
    std::atomic<int> f1{0};
    const double server_cpu0 = o.pid > 0 ? CpuSeconds(o.pid) : -1;
    auto d1 = CreatePorts(o, net, o.single, 1, f1);
    std::printf("one keep-alive client: %d creates in %.2f s = %.0f/s (%d failed)", o.single, d1.back(),
                o.single / d1.back(), f1.load());
    if (server_cpu0 >= 0) std::printf(", server CPU %.0f us per create", (CpuSeconds(o.pid) - server_cpu0) / o.single * 1e6);
    std::printf("\n");
  }
  std::vector<double> ms;
  for (int i = 0; i < o.lists; ++i) {
    auto t0 = Clock::now();
    auto r = api.Call("GET", "/v2.0/ports?network_id=" + net + "&limit=100");
    if (r.first != 200) Die("list ports", r);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  if (!ms.empty()) {
    std::sort(ms.begin(), ms.end());
    std::printf("GET /v2.0/ports?network_id=X&limit=100: p50 %.1f ms (%d calls)\n", ms[ms.size() / 2], o.lists);
  }
  if (o.pid > 0) std::printf("server RSS: %.1f MiB\n", RssKiB(o.pid) / 1024.0);
  return failures.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::cerr << "api_load: " << args[i] << " needs a value\n";
        std::exit(2);
      }
      return args[++i];
    };
    const std::string& a = args[i];
    try {
      if (a == "--url") o.url = value();
      else if (a == "--token") o.token = value();
      else if (a == "--ca") o.ca = value();
      else if (a == "--ports") o.ports = std::stoi(value());
      else if (a == "--clients") o.clients = std::stoi(value());
      else if (a == "--single") o.single = std::stoi(value());
      else if (a == "--lists") o.lists = std::stoi(value());
      else if (a == "--pid") o.pid = std::stoi(value());
      else if (a == "--cloud") o.cloud = value();
      else if (a == "--cloud-endpoint") o.cloud_endpoint = value();
      else if (a == "--no-quota") o.set_quota = false;
      else {
        std::cerr << "usage: bench_api_load --url URL [--token T] [--ca FILE] [--ports N] [--clients C] "
                     "[--single N] [--lists N] [--pid PID] [--cloud NAME [--cloud-endpoint URL]] [--no-quota]\n";
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "api_load: " << a << " wants a number\n";
      return 2;
    }
  }
  if (o.ports < 1 || o.clients < 1) {
    std::cerr << "api_load: --ports and --clients must be at least 1\n";
    return 2;
  }
  return Run(o);
}
