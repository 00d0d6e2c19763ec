#include "agent/agent_main.h"

#include <csignal>
#include <iostream>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/agent_metrics.h"
#include "common/config.h"
#include "common/tls.h"
#include "common/log.h"

namespace isthmus::agent {
namespace {

constexpr char kHelp[] = R"(usage: isthmus agent --host NAME --cloud URL --local-ip IP [options]

Makes this host's Open vSwitch (br-int, br-tun, br-ex) and its namespaces
(qrouter-, snat-, fip-, qdhcp-) match the desired state its cloud controller
computes (docs/architecture.md). The operator plugs the external network's NIC
into br-ex.

  --host NAME          this host's name, unique in the federation
  --role ROLE          compute (default) or network
  --cloud URL          the cloud controller, e.g. https://cloud1:9701
  --local-ip IP        this host's VTEP address (on br-phy)
  --ovsdb TARGET       OVSDB socket, e.g. unix:/run/openvswitch/db.sock (default)
  --ovs-rundir DIR     OVS_RUNDIR of this host's ovs-vswitchd (for ovs-ofctl)
  --host-netns NAME    network namespace that OVS runs in (lab); default: this one
  --ns-prefix TEXT     prefix of the agent's namespace names (lab); default none
  --state-dir DIR      where DHCP servers keep their files (default /var/lib/isthmus/agent)
  --status-file PATH   write {"revision", "flows"} there after every applied pass
  --metrics-listen [ADDR:]PORT
                       serve Prometheus metrics (GET /metrics, plain HTTP) there;
                       a bare PORT listens on 127.0.0.1; default off
  --tls-ca FILE        the federation CA's certificate (PEM)
  --tls-cert FILE      this host's certificate (CN host/CLOUD/HOST)
  --tls-key FILE       its private key (mode 0600); all three are needed
                       for an https:// cloud
  --config FILE        key = value file with the same keys
)";

// The agent owns nothing durable and the data plane keeps its programming
// without it, so a termination signal simply ends the process, at once, even
// mid-command or mid-long-poll: its children (a command, the vswitchd watch's
// `ovs-ofctl monitor`) die with it (PR_SET_PDEATHSIG, src/common/process.h).
void OnSignal(int) { _exit(0); }

constexpr int kCommandTimeoutMs = 5000;

}  // namespace

int Main(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << kHelp;
    return 0;
  }
  auto cfg = Config::Load({{"host", ""},
                           {"role", "compute"},
                           {"cloud", ""},
                           {"local_ip", ""},
                           {"ovsdb", ""},
                           {"ovs_rundir", ""},
                           {"host_netns", ""},
                           {"ns_prefix", ""},
                           {"status_file", ""},
                           {"metrics_listen", ""},
                           {"state_dir", "/var/lib/isthmus/agent"},
                           {"tls_ca", ""},
                           {"tls_cert", ""},
                           {"tls_key", ""}},
                          args);
  Status st = cfg.ok() ? cfg->Require({"host", "cloud", "local_ip"}) : cfg.status();
  if (st.ok() && cfg->Get("role") != "compute" && cfg->Get("role") != "network")
    st = InvalidArgument("--role must be compute or network, not '" + cfg->Get("role") + "'");
  auto tls = st.ok() ? TlsFilesFrom(cfg->Get("tls_ca"), cfg->Get("tls_cert"), cfg->Get("tls_key"))
                     : Result<TlsFiles>(st);
  if (st.ok() && !tls.ok()) st = tls.status();
  if (st.ok()) st = SetClientTls(*tls);
  if (!st.ok()) {
    std::cerr << "isthmus agent: " << st.message() << "\n";
    return 2;
  }
  std::unique_ptr<MetricsServer> metrics;
  if (!cfg->Get("metrics_listen").empty()) {
    auto m = MetricsServer::Start(cfg->Get("metrics_listen"));
    if (!m.ok()) {
      std::cerr << "isthmus agent: " << m.status().message() << "\n";
      return 2;
    }
    metrics = std::move(*m);
  }
  SetLogTag("agent " + cfg->Get("host"));
  if (metrics) LOG_INFO("serving metrics (GET /metrics, plain HTTP) on port " << metrics->port());
  AgentConfig c;
  c.host = cfg->Get("host");
  c.role = cfg->Get("role");
  c.cloud_url = cfg->Get("cloud");
  c.local_ip = cfg->Get("local_ip");
  c.ovs = {cfg->Get("ovsdb"), cfg->Get("ovs_rundir")};
  c.host_netns = cfg->Get("host_netns");
  c.ns_prefix = cfg->Get("ns_prefix");
  c.status_file = cfg->Get("status_file");
  c.state_dir = cfg->Get("state_dir");
  // Every command the agent runs gets a few seconds: a wedged ovs-vswitchd
  // costs a failed pass (retried with backoff), never a hung agent.
  SystemRunner runner(kCommandTimeoutMs);
  CountProcessesStarted();
  Agent agent(c, runner);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  return agent.Run();
}

}  // namespace isthmus::agent
