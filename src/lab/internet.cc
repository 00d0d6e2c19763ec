#include "lab/internet.h"

#include <httplib.h>
#include <unistd.h>

#include <iostream>

#include "common/http.h"
#include "lab/daemons.h"
#include "lab/machine.h"
#include "lab/paths.h"

namespace isthmus::lab {
namespace {

Status Run(Runner& r, std::vector<std::string> argv) { return r.Check({std::move(argv), "", {}}).status(); }

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, n) : "isthmus";
}

}  // namespace

std::string ExternalBridge(const std::string& cloud) { return ("ext-" + cloud).substr(0, 15); }

Status CreateInternet(Runner& r, const std::vector<LabCloud>& clouds) {
  const std::string ns = kInternetNamespace;
  ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "netns", "add", ns}));
  ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                                  "net.ipv6.conf.all.disable_ipv6=1",
                                  "net.ipv6.conf.default.disable_ipv6=1", "net.ipv4.ip_forward=0"}));
  ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "-n", ns, "link", "set", "lo", "up"}));
  ISTHMUS_RETURN_IF_ERROR(
      Run(r, {"ip", "-n", ns, "addr", "add", std::string(kInternetServiceIp) + "/32", "dev", "lo"}));
  for (const auto& c : clouds) {
    std::string br = ExternalBridge(c.name);
    std::string prefix = c.external.cidr.substr(c.external.cidr.find('/'));
    ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "-n", ns, "link", "add", br, "type", "bridge"}));
    ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "-n", ns, "addr", "add", c.external.gateway + prefix, "dev", br}));
    ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "-n", ns, "link", "set", br, "up"}));
  }
  return Status::Ok();
}

Status AttachHostToExternal(Runner& r, const std::string& host, const std::string& cloud) {
  std::string hns = HostNamespace(host);
  std::string peer = ("x-" + host).substr(0, 15);
  ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "-n", hns, "link", "add", "eth1", "type", "veth", "peer",
                                  "name", peer, "netns", kInternetNamespace}));
  ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "-n", kInternetNamespace, "link", "set", peer, "master",
                                  ExternalBridge(cloud), "up"}));
  ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "-n", hns, "link", "set", "eth1", "up"}));
  // Userspace OVS and veth checksum offload do not mix (docs/architecture.md, "Data plane: bridges and ports").
  ISTHMUS_RETURN_IF_ERROR(Run(r, {"ip", "netns", "exec", hns, "ethtool", "-K", "eth1", "tx", "off"}));
  ISTHMUS_RETURN_IF_ERROR(
      Run(r, {"ip", "netns", "exec", kInternetNamespace, "ethtool", "-K", peer, "tx", "off"}));
  // The operator's part of Neutron's br-ex: the external NIC in it.
  auto ovs = OvsEnv(host);
  return r.Check({{"ovs-vsctl", "--db=" + ovs.db, "--timeout=20", "--may-exist", "add-br", "br-ex",
                   "--", "set", "bridge", "br-ex", "datapath_type=netdev", "fail_mode=standalone",
                   "--", "--may-exist", "add-port", "br-ex", "eth1"},
                  "",
                  {{"OVS_RUNDIR", ovs.rundir}}})
      .status();
}

Status StartService(const std::string& name, const std::string& netns, const std::string& listen) {
  auto pid = StartDaemon("service-" + name,
                         {"ip", "netns", "exec", netns, SelfExe(), "lab", "serve", "--listen", listen,
                          "--name", name},
                         LabRoot() + "/logs/service-" + name + ".log");
  return pid.status();
}

int ServeMain(const std::vector<std::string>& args) {
  std::string listen, name = "service";
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--listen") listen = args[i + 1];
    else if (args[i] == "--name") name = args[i + 1];
  }
  auto ep = Endpoint::Parse(listen);
  if (!ep.ok()) {
    std::cerr << "isthmus lab serve: --listen ADDR:PORT: " << ep.status().message() << "\n";
    return 2;
  }
  httplib::Server server;
  server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_content(name + ": hello " + req.remote_addr + "\n", "text/plain");
  });
  if (!server.listen(ep->host, ep->port)) {
    std::cerr << "isthmus lab serve: cannot listen on " << listen << "\n";
    return 1;
  }
  return 0;
}

}  // namespace isthmus::lab
