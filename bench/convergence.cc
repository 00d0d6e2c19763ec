// Convergence benchmark (docs/requirements.md, "Targets"): how long after the
// API call that binds a new port in cloud2 an instance of cloud1 on another
// subnet reaches it through the DVR routers. Needs a running `isthmus lab up s2`.
//
// Each round plugs a new instance namespace on c2-h2 (net4) with a chosen MAC
// and IP (as Nova plugs a VIF), starts `ping -i 0.005` from instance1 toward it,
// then POSTs the port to central and reports the time from the POST to the
// first echo request that got a reply. Prints every round and the median.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <regex>
#include <thread>

#include "common/http.h"
#include "common/process.h"
#include "lab/builder.h"
#include "lab/facts.h"
#include "lab/machine.h"
#include "lab/paths.h"

using namespace isthmus;

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  auto facts = lab::LoadFacts(lab::LabFactsPath());
  if (!facts.ok()) {
    std::cerr << facts.status().message() << "\n";
    return 1;
  }
  if (Status st = lab::UseOperatorTls(*facts); !st.ok()) {
    std::cerr << st.message() << "\n";
    return 1;
  }
  SystemRunner runner;
  auto central = *Endpoint::Parse((*facts)["central"]);
  TokenSource tokens(central, lab::LabCredentials(*facts));
  const auto& net4 = (*facts)["networks"]["net4"];
  std::vector<double> results;
  for (int r = 0; r < rounds; ++r) {
    std::string name = "bench" + std::to_string(r);
    std::string ip = "10.0.4." + std::to_string(200 + r);
    char mac[18];
    std::snprintf(mac, sizeof mac, "fa:16:3e:be:00:%02x", r);
    // The port id is not known before the POST; plug with a placeholder and
    // set the real iface-id right after (one OVSDB update, as os-vif does).
    // Configured statically: this measures the data plane's convergence, not DHCP.
    lab::InstanceSpec spec{name, "c2-h2", {{"eth0", mac, "pending-" + name, 1450}}};
    Status st = lab::CreateInstance(runner, spec);
    std::string ns = lab::InstanceNamespace(name);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0"},
             {"ip", "-n", ns, "route", "add", "default", "via", "10.0.4.1"}})
      if (st.ok()) st = runner.Check({args, "", {}}).status();
    if (!st.ok()) {
      std::cerr << st.message() << "\n";
      return 1;
    }
    // Ping from instance1 every 5 ms, in the background.
    std::string out_path = "/tmp/isthmus-bench-ping-" + std::to_string(getpid());
    std::string cmd = "ip netns exec " + lab::InstanceNamespace("instance1") +
                      " ping -D -n -i 0.005 -W 1 -c 2000 " + ip + " > " + out_path + " 2>&1 &";
    std::system(cmd.c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    nlohmann::json body = {{"port",
                            {{"network_id", net4["id"]},
                             {"mac_address", mac},
                             {"fixed_ips", {{{"subnet_id", net4["subnet_id"]}, {"ip_address", ip}}}},
                             {"binding:host_id", "c2-h2"},
                             {"device_owner", "compute:nova"},
                             {"device_id", name}}}};
    double t0 = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto reply = AuthedCall(tokens, central, "POST", "/v2.0/ports", &body);
    std::fprintf(stderr, "POST at %.3f\n", t0);
    if (!reply.ok() || reply->status != 201) {
      std::cerr << "port create failed\n";
      return 1;
    }
    std::string port_id = reply->body["port"]["id"];
    runner.Check({{"ovs-vsctl", "--db=" + lab::OvsEnv("c2-h2").db, "set", "Interface",
                   std::string("t-") + name, "external_ids:iface-id=" + port_id},
                  "",
                  {}});
    // Wait for the first reply (or give up after 6 s).
    std::regex stamp_re("^\\[([0-9.]+)\\]");
    double ms = -1;
    for (int i = 0; i < 600 && ms < 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      FILE* f = std::fopen(out_path.c_str(), "r");
      if (!f) continue;
      char line[512];
      while (std::fgets(line, sizeof line, f)) {
        std::cmatch m;
        // ping -D stamps each reply with the wall-clock time it arrived.
        if (std::strstr(line, "bytes from") && std::regex_search(line, m, stamp_re)) {
          ms = (std::atof(m[1].first) - t0) * 1000;
          break;
        }
      }
      std::fclose(f);
    }
    std::system("pkill -f 'ping -D -n -i 0.005' >/dev/null 2>&1");
    unlink(out_path.c_str());
    AuthedCall(tokens, central, "DELETE", "/v2.0/ports/" + port_id);
    runner.Run({{"ip", "netns", "del", lab::InstanceNamespace(name)}, "", {}});
    runner.Run({{"ovs-vsctl", "--db=" + lab::OvsEnv("c2-h2").db, "--if-exists", "del-port", "br-int",
                 std::string("t-") + name}, "", {}});
    if (ms < 0) {
      std::cout << "round " << r << ": not reachable within 6 s\n";
      continue;
    }
    std::cout << "round " << r << ": new port in cloud2 reachable from cloud1 (DVR, other subnet) "
              << ms << " ms after the API call\n";
    results.push_back(ms);
  }
  if (results.empty()) return 1;
  std::sort(results.begin(), results.end());
  std::printf("median %.1f ms over %zu rounds (OVN-IC measured here: ~32 ms)\n",
              results[results.size() / 2], results.size());
  return 0;
}
