#include "lab/builder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <tuple>

#include "common/crypto.h"
#include "common/identities.h"
#include "common/password_hash.h"
#include "common/secret_file.h"
#include "lab/api_client.h"
#include "lab/dhcp_client.h"
#include "lab/internet.h"
#include "lab/facts.h"
#include "lab/lab_topology.h"
#include "lab/paths.h"
#include "lab/pki.h"
#include "lab/daemons.h"
#include "lab/machine.h"
#include "model/resources.h"

namespace isthmus::lab {
namespace {

using nlohmann::json;

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, n) : "isthmus";
}

// Every daemon of the lab serves TLS (docs/trust.md).
std::string Url(int port) { return "https://127.0.0.1:" + std::to_string(port); }

std::vector<std::string> TlsArgs(const TlsFiles& f) {
  return {"--tls-ca", f.ca, "--tls-cert", f.cert, "--tls-key", f.key};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Status WaitHttp(const std::string& what, int port) {
  Endpoint ep{"127.0.0.1", port, /*tls=*/true};
  return WaitFor(what + " answering on " + ep.ToString(), 10000, [&] {
    auto r = HttpCall(ep, "GET", "/", nullptr, 500);
    return r.ok();
  });
}

class Builder {
 public:
  Builder(const Topology& t, Runner& runner, std::ostream& out)
      : t_(t), runner_(runner), out_(out), central_(Endpoint{"127.0.0.1", kCentralPort, true}),
        pki_(LabRoot() + "/pki") {}

  Result<json> Run() {
    facts_ = {{"topology", t_.name},
              {"options", {{"dvr_mac_federation", t_.options.dvr_mac_federation}}},
              {"central", Url(kCentralPort)}};
    // First, so that `lab show --dot` draws even a lab that failed half-way.
    ISTHMUS_RETURN_IF_ERROR(SaveLabTopology(t_));
    ISTHMUS_RETURN_IF_ERROR(Step("underlay network (namespace isth-underlay, bridge ul0)",
                                 [&] { return CreateUnderlay(runner_); }));
    ISTHMUS_RETURN_IF_ERROR(Step(std::string("internet (namespace ") + kInternetNamespace +
                                     ", HTTP service on " + kInternetServiceIp + ", one bridge per "
                                     "cloud's external network)",
                                 [&] { return StartInternet(); }));
    ISTHMUS_RETURN_IF_ERROR(Step("federation CA and a key and certificate per process (openssl)",
                                 [&] { return MakePki(); }));
    ISTHMUS_RETURN_IF_ERROR(Step("central (federation API on " + Url(kCentralPort) + ")",
                                 [&] { return StartCentral(); }));
    for (const auto& c : t_.clouds)
      ISTHMUS_RETURN_IF_ERROR(Step("cloud " + c.name + " (controller on " + Url(c.api_port) + ")",
                                   [&] { return StartCloud(c); }));
    for (const auto& h : t_.hosts)
      ISTHMUS_RETURN_IF_ERROR(Step("host " + h.name + " (" + h.cloud + ", " + ToString(h.role) + ", VTEP " +
                                       h.vtep_ip + "): namespace, Open vSwitch, agent",
                                   [&] { return StartHost(h); }));
    ISTHMUS_RETURN_IF_ERROR(Step("underlay: every host resolves every other VTEP",
                                 [&] { return WarmUnderlay(); }));
    ISTHMUS_RETURN_IF_ERROR(Step("hosts registered with their clouds and central",
                                 [&] { return WaitHostsKnown(); }));
    for (const auto& c : t_.bare ? std::vector<LabCloud>{} : t_.clouds)
      ISTHMUS_RETURN_IF_ERROR(Step("external network " + c.external.name + " " + c.external.cidr +
                                       " (flat, br-ex) in " + c.name,
                                   [&] { return CreateExternalNetwork(c); }));
    for (const auto& n : t_.networks)
      ISTHMUS_RETURN_IF_ERROR(Step("network " + n.name + " " + n.cidr + " stretched over " +
                                       Join(n.clouds),
                                   [&] { return CreateNetwork(n); }));
    for (const auto& r : t_.routers)
      ISTHMUS_RETURN_IF_ERROR(Step("router " + r.name + " in " + r.cloud + " (" +
                                       (r.distributed ? "distributed" : "legacy") +
                                       ") on " + Join(r.networks),
                                   [&] { return CreateRouter(r); }));
    for (const auto& i : t_.instances) {
      std::string nets;
      for (const auto& n : i.nics) nets += (nets.empty() ? "" : "+") + n.network;
      ISTHMUS_RETURN_IF_ERROR(Step("instance " + i.name + " on " + i.host + " (" + nets + ")",
                                   [&] { return CreateInstance(i); }));
    }
    ISTHMUS_RETURN_IF_ERROR(SaveFacts(LabFactsPath(), facts_));
    ISTHMUS_RETURN_IF_ERROR(Step("agents converged on the desired state",
                                 [&] { return WaitForConvergence(facts_, 60000); }));
    ISTHMUS_RETURN_IF_ERROR(Step("instances configured by their own cloud's DHCP server (udhcpc)",
                                 [&] { return ConfigureAllByDhcp(); }));
    for (const auto& i : t_.instances)
      if (i.floating_ip)
        ISTHMUS_RETURN_IF_ERROR(Step("floating IP for " + i.name,
                                     [&] { return CreateFloatingIp(i); }));
    ISTHMUS_RETURN_IF_ERROR(Step("HTTP service on every instance (port " +
                                     std::to_string(kInstanceServicePort) + ")",
                                 [&] { return StartInstanceServices(); }));
    ISTHMUS_RETURN_IF_ERROR(SaveFacts(LabFactsPath(), facts_));
    ISTHMUS_RETURN_IF_ERROR(Step("agents converged on the desired state",
                                 [&] { return WaitForConvergence(facts_, 60000); }));
    return facts_;
  }

 private:
  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "+") + x;
    return s;
  }

  Status Step(const std::string& what, const std::function<Status()>& fn) {
    ++step_;
    out_ << "[" << step_ << "] " << what << " ... " << std::flush;
    auto start = std::chrono::steady_clock::now();
    Status st = fn();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    if (st.ok()) {
      out_ << "ok (" << ms << " ms)\n";
    } else {
      out_ << "FAILED\n";
    }
    return st;
  }

  Status StartInternet() {
    ISTHMUS_RETURN_IF_ERROR(CreateInternet(runner_, t_.clouds));
    ISTHMUS_RETURN_IF_ERROR(StartService("internet", kInternetNamespace, "0.0.0.0:80"));
    Endpoint ep{kInternetServiceIp, 80};
    return WaitFor("the internet service", 10000, [&] {
      auto out = Exec(runner_, kInternetNamespace,
                      {"curl", "-s", "-m", "1", std::string("http://") + kInternetServiceIp + "/"});
      return out.ok() && out->exit_code == 0;
    });
  }

  Status CreateExternalNetwork(const LabCloud& c) {
    auto net = central_.Post("/v2.0/networks", {{"network",
                                                 {{"name", c.external.name},
                                                  {"router:external", true},
                                                  {"provider:network_type", "flat"},
                                                  {"provider:physical_network", "external"},
                                                  {"availability_zone_hints", {c.name}}}}});
    if (!net.ok()) return net.status();
    std::string id = (*net)["network"]["id"];
    auto sub = central_.Post("/v2.0/subnets", {{"subnet",
                                                {{"name", c.external.name + "-subnet"},
                                                 {"network_id", id},
                                                 {"ip_version", 4},
                                                 {"cidr", c.external.cidr},
                                                 {"gateway_ip", c.external.gateway},
                                                 {"enable_dhcp", false}}}});
    if (!sub.ok()) return sub.status();
    facts_["externals"][c.name] = {{"network", c.external.name},
                                   {"id", id},
                                   {"subnet_id", (*sub)["subnet"]["id"]},
                                   {"cidr", c.external.cidr},
                                   {"gateway", c.external.gateway},
                                   {"bridge", ExternalBridge(c.name)}};
    return Status::Ok();
  }

  Status ConfigureAllByDhcp() {
    ISTHMUS_RETURN_IF_ERROR(WriteDhcpScript());
    for (const auto& i : t_.instances) ISTHMUS_RETURN_IF_ERROR(StartDhcpClients(facts_, i.name));
    for (const auto& i : t_.instances) ISTHMUS_RETURN_IF_ERROR(WaitDhcpLeases(facts_, i.name, 30000));
    return Status::Ok();
  }

  Status CreateFloatingIp(const LabInstance& i) {
    const json& inst = facts_["instances"][i.name];
    std::string cloud = inst["cloud"];
    auto fip = central_.Post("/v2.0/floatingips",
                             {{"floatingip",
                               {{"floating_network_id", facts_["externals"][cloud]["id"]},
                                {"port_id", inst["nics"][0]["port_id"]}}}});
    if (!fip.ok()) return fip.status();
    facts_["instances"][i.name]["floating_ip"] = (*fip)["floatingip"]["floating_ip_address"];
    facts_["instances"][i.name]["floating_ip_id"] = (*fip)["floatingip"]["id"];
    return Status::Ok();
  }

  Status StartInstanceServices() {
    for (const auto& i : t_.instances)
      ISTHMUS_RETURN_IF_ERROR(StartService(i.name, InstanceNamespace(i.name),
                                           "0.0.0.0:" + std::to_string(kInstanceServicePort)));
    return Status::Ok();
  }

  // Identity: an admin, a member project "demo" and the clouds' service user,
  // with fresh passwords; central's file holds their hashes and only root reads
  // it (the passwords stay in the lab's facts, also root's only).
  Status WriteIdentity() {
    json users = json::object();
    json file = {{"projects", {{{"name", "admin"}}, {{"name", "demo"}}, {{"name", "service"}}}},
                 {"users", json::array()}};
    for (auto [user, project, role] : {std::tuple{"admin", "admin", "admin"},
                                       std::tuple{"demo", "demo", "member"},
                                       std::tuple{"isthmus-cloud", "service", "admin"}}) {
      auto secret = crypto::RandomBytes(12);
      if (!secret.ok()) return secret.status();
      std::string password = crypto::Hex(*secret);
      auto hash = HashPassword(password);
      if (!hash.ok()) return hash.status();
      file["users"].push_back({{"name", user}, {"password_hash", *hash}, {"project", project}, {"roles", {role}}});
      users[user] = {{"password", password}, {"project", project}, {"role", role}};
    }
    std::string path = LabRoot() + "/identity.json";
    ISTHMUS_RETURN_IF_ERROR(WriteSecretFile(path, file.dump(2) + "\n"));
    facts_["identity"] = {{"auth_url", Url(kCentralPort) + "/v3"}, {"file", path}, {"users", users}};
    central_ = ApiClient(Endpoint{"127.0.0.1", kCentralPort, true}, LabCredentials(facts_, "admin"));
    return Status::Ok();
  }

  Status MakePki() {
    std::vector<std::string> ids = {identities::kCentral, identities::kOperator};
    for (const auto& c : t_.clouds) ids.push_back(identities::Cloud(c.name));
    for (const auto& h : t_.hosts) ids.push_back(identities::Host(h.cloud, h.name));
    ISTHMUS_RETURN_IF_ERROR(pki_.Make(runner_, ids));
    TlsFiles op = pki_.FilesOf(identities::kOperator);
    facts_["tls"] = {{"ca", op.ca}, {"operator_cert", op.cert}, {"operator_key", op.key}};
    return SetClientTls(op);  // the lab calls central and the clouds as an operator
  }

  Status StartCentral() {
    ISTHMUS_RETURN_IF_ERROR(WriteIdentity());
    auto pid = StartDaemon("central",
                           std::vector<std::string>{SelfExe(), "central", "--listen", "127.0.0.1:" + std::to_string(kCentralPort),
                            "--db", LabRoot() + "/central.db", "--identity", LabRoot() + "/identity.json"} +
                               TlsArgs(pki_.FilesOf(identities::kCentral)),
                           LabRoot() + "/logs/central.log");
    if (!pid.ok()) return pid.status();
    return WaitHttp("central", kCentralPort);
  }

  Status StartCloud(const LabCloud& c) {
    auto reg = central_.Post("/v2.0/clouds", {{"cloud", {{"name", c.name}, {"endpoint", Url(c.api_port)}}}});
    if (!reg.ok()) return reg.status();
    // The cloud's credentials go in a root-only config file, not on its command line.
    std::string conf = LabRoot() + "/cloud-" + c.name + ".conf";
    ISTHMUS_RETURN_IF_ERROR(WriteSecretFile(
        conf, "central_user = isthmus-cloud\ncentral_password = " +
                  facts_["identity"]["users"]["isthmus-cloud"]["password"].get<std::string>() + "\n"));
    auto pid = StartDaemon("cloud-" + c.name,
                           std::vector<std::string>{SelfExe(), "cloud", "--name", c.name, "--listen",
                            "127.0.0.1:" + std::to_string(c.api_port), "--central",
                            Url(kCentralPort), "--db", LabRoot() + "/" + c.name + ".db",
                            "--dvr-mac-federation",
                            t_.options.dvr_mac_federation ? "true" : "false",
                            // A short agent down time, so tests see a killed agent dead in
                            // seconds (docs/architecture.md, "Port status and agent liveness").
                            "--agent-down-time", std::to_string(kLabAgentDownTime), "--config", conf} +
                               TlsArgs(pki_.FilesOf(identities::Cloud(c.name))),
                           LabRoot() + "/logs/cloud-" + c.name + ".log");
    if (!pid.ok()) return pid.status();
    facts_["clouds"][c.name] = {{"endpoint", Url(c.api_port)},
                                {"dvr_mac_prefix", (*reg)["cloud"].value("dvr_mac_prefix", "")}};
    return WaitHttp("cloud " + c.name, c.api_port);
  }

  Status StartHost(const LabHost& h) {
    ISTHMUS_RETURN_IF_ERROR(AttachHostToUnderlay(runner_, h.name, h.vtep_ip + kUnderlayPrefix));
    ISTHMUS_RETURN_IF_ERROR(StartHostOvs(runner_, h.name, h.vtep_ip + kUnderlayPrefix));
    ISTHMUS_RETURN_IF_ERROR(AttachHostToExternal(runner_, h.name, h.cloud));
    auto ovs = OvsEnv(h.name);
    int port = 0;
    for (const auto& c : t_.clouds)
      if (c.name == h.cloud) port = c.api_port;
    std::string status = LabRoot() + "/status-" + h.name + ".json";
    int position = 0;
    while (t_.hosts[position].name != h.name) ++position;
    const std::string metrics = "127.0.0.1:" + std::to_string(kAgentMetricsPortBase + 1 + position);
    auto pid = StartDaemon("agent-" + h.name,
                           std::vector<std::string>{SelfExe(), "agent", "--host", h.name, "--role", ToString(h.role), "--cloud",
                            Url(port), "--local-ip", h.vtep_ip, "--ovsdb", ovs.db, "--ovs-rundir",
                            ovs.rundir, "--host-netns", HostNamespace(h.name), "--ns-prefix",
                            HostNamespace(h.name) + "-", "--status-file", status, "--state-dir",
                            HostDir(h.name) + "/agent", "--metrics-listen", metrics} +
                               TlsArgs(pki_.FilesOf(identities::Host(h.cloud, h.name))),
                           LabRoot() + "/logs/agent-" + h.name + ".log");
    if (!pid.ok()) return pid.status();
    facts_["hosts"][h.name] = {{"cloud", h.cloud},        {"role", ToString(h.role)},
                               {"vtep_ip", h.vtep_ip},     {"netns", HostNamespace(h.name)},
                               {"ovs_rundir", ovs.rundir}, {"ovsdb", ovs.db},
                               {"status_file", status},    {"cloud_api", Url(port)},
                               {"metrics", "http://" + metrics + "/metrics"}};
    return Status::Ok();
  }

  // Userspace OVS drops the first packet toward a VTEP whose MAC it has not
  // resolved yet (it ARPs instead). One ping between every pair of host
  // namespaces fills the kernel's and OVS's neighbor tables, so the first
  // instance packets are not lost.
  Status WarmUnderlay() {
    for (const auto& a : t_.hosts)
      for (const auto& b : t_.hosts) {
        if (a.name == b.name) continue;
        auto out = Exec(runner_, HostNamespace(a.name), {"ping", "-c", "1", "-W", "2", b.vtep_ip});
        if (!out.ok()) return out.status();
        if (out->exit_code != 0)
          return Unavailable("host " + a.name + " cannot reach VTEP " + b.vtep_ip + " of " + b.name);
      }
    return Status::Ok();
  }

  Status WaitHostsKnown() {
    return WaitFor("central to know every host", 20000, [&] {
      auto hosts = central_.Get("/v2.0/hosts");
      if (!hosts.ok() || !hosts->contains("hosts")) return false;
      size_t known = 0;
      for (const auto& h : (*hosts)["hosts"])
        if (facts_["hosts"].contains(h.value("name", ""))) {
          facts_["hosts"][h.value("name", "")]["dvr_mac"] = h.value("dvr_mac", "");
          ++known;
        }
      return known == t_.hosts.size();
    });
  }

  Status CreateNetwork(const LabNetwork& n) {
    auto net = central_.Post("/v2.0/networks", {{"network",
                                                 {{"name", n.name},
                                                  {"availability_zone_hints", n.clouds},
                                                  {"provider:network_type", "vxlan"}}}});
    if (!net.ok()) return net.status();
    std::string net_id = (*net)["network"]["id"];
    auto sub = central_.Post("/v2.0/subnets", {{"subnet",
                                                {{"name", n.name + "-subnet"},
                                                 {"network_id", net_id},
                                                 {"ip_version", 4},
                                                 {"cidr", n.cidr},
                                                 {"gateway_ip", n.gateway_ip.empty() ? json(nullptr)
                                                                                     : json(n.gateway_ip)},
                                                 {"dns_nameservers", {kLabDnsServer}},
                                                 {"gateway_mode", ToString(n.gateway_mode)}}}});
    if (!sub.ok()) return sub.status();
    facts_["networks"][n.name] = {
        {"id", net_id},
        {"vni", (*net)["network"].value("provider:segmentation_id", 0)},
        {"subnet_id", (*sub)["subnet"]["id"]},
        {"cidr", n.cidr},
        {"clouds", n.clouds},
        {"gateway", n.gateway_ip},
        {"gateway_mode", ToString(n.gateway_mode)},
        {"dhcp", json::object()}};
    // Each cloud's DHCP server address on it (central made one port per cloud).
    auto dhcp = central_.Get("/v2.0/ports?network_id=" + net_id + "&device_owner=network:dhcp");
    if (!dhcp.ok()) return dhcp.status();
    for (const auto& p : (*dhcp)["ports"])
      facts_["networks"][n.name]["dhcp"][p.value("isthmus:cloud", "")] = p["fixed_ips"][0]["ip_address"];
    return Status::Ok();
  }

  Status CreateRouter(const LabRouter& r) {
    auto router = central_.Post("/v2.0/routers", {{"router",
                                                   {{"name", r.name},
                                                    {"distributed", r.distributed},
                                                    {"availability_zone_hints", {r.cloud}}}}});
    if (!router.ok()) return router.status();
    std::string id = (*router)["router"]["id"];
    facts_["routers"][r.name] = {
        {"id", id}, {"cloud", r.cloud}, {"distributed", r.distributed}, {"legs", json::object()}};
    for (const auto& net : r.networks) {
      std::string subnet_id = facts_["networks"][net]["subnet_id"];
      auto leg = central_.Put("/v2.0/routers/" + id + "/add_router_interface",
                              {{"subnet_id", subnet_id}});
      if (!leg.ok()) return leg.status();
      std::string port_id = (*leg)["port_id"];
      auto port = central_.Get("/v2.0/ports/" + port_id);
      if (!port.ok()) return port.status();
      facts_["routers"][r.name]["legs"][net] = {
          {"port_id", port_id},
          {"mac", (*port)["port"]["mac_address"]},
          {"ip", (*port)["port"]["fixed_ips"][0]["ip_address"]}};
    }
    if (!r.external_gateway) return Status::Ok();
    auto gw = central_.Put("/v2.0/routers/" + id,
                           {{"router",
                             {{"external_gateway_info",
                               {{"network_id", facts_["externals"][r.cloud]["id"]}, {"enable_snat", true}}}}}});
    if (!gw.ok()) return gw.status();
    const json& info = (*gw)["router"]["external_gateway_info"];
    if (info.is_object() && !info["external_fixed_ips"].empty())
      facts_["routers"][r.name]["gateway_ip"] = info["external_fixed_ips"][0]["ip_address"];
    return Status::Ok();
  }

  Status CreateInstance(const LabInstance& i) {
    const LabHost* host = t_.FindHost(i.host);
    return AddInstance(facts_, i, host ? host->cloud : "", runner_);
  }

  const Topology& t_;
  Runner& runner_;
  std::ostream& out_;
  ApiClient central_;
  LabPki pki_;
  json facts_;
  int step_ = 0;
};

}  // namespace

// The groups of a port (its project's default group, as Neutron puts it
// there) open what the lab's checks need, as a user would through the API:
// ICMP (the matrix) and the instances' HTTP port (north-south fetches and
// routed pairs whose source another cloud does not know as a group member)
// from anywhere. Each group once (facts' "opened_groups").
static Status OpenLabChecks(ApiClient& central, json& facts, const std::string& port_id) {
  auto port = central.Get("/v2.0/ports/" + port_id);
  if (!port.ok()) return port.status();
  for (const auto& g : (*port)["port"].value("security_groups", json::array())) {
    if (!g.is_string() || facts["opened_groups"].contains(g.get<std::string>())) continue;
    for (const json& rule : {json{{"protocol", "icmp"}},
                             json{{"protocol", "tcp"}, {"port_range_min", kInstanceServicePort},
                                  {"port_range_max", kInstanceServicePort}}}) {
      json body = rule;
      body.update({{"security_group_id", g}, {"direction", "ingress"}, {"ethertype", "IPv4"},
                   {"remote_ip_prefix", "0.0.0.0/0"}});
      auto made = central.Post("/v2.0/security-group-rules", {{"security_group_rule", body}});
      if (!made.ok() && made.status().code() != Code::kConflict) return made.status();
    }
    facts["opened_groups"][g.get<std::string>()] = true;
  }
  return Status::Ok();
}

Status AddInstance(json& facts, const LabInstance& i, const std::string& cloud, Runner& runner) {
  if (!facts["hosts"].contains(i.host)) return NotFound("no host " + i.host + " in this lab");
  if (facts["instances"].contains(i.name)) return Conflict("instance " + i.name + " already exists");
  if (i.nics.empty()) return InvalidArgument("instance " + i.name + " needs a network");
  for (const auto& nic : i.nics)
    if (!facts["networks"].contains(nic.network)) return NotFound("no network " + nic.network + " in this lab");
  ApiClient central(*Endpoint::Parse(facts.value("central", "")), LabCredentials(facts));
  std::string own_cloud = cloud.empty() ? facts["hosts"][i.host].value("cloud", "") : cloud;
  InstanceSpec spec{i.name, i.host, {}};
  json nics = json::array();
  for (size_t k = 0; k < i.nics.size(); ++k) {
    const json& net = facts["networks"][i.nics[k].network];
    json fixed = {{"subnet_id", net["subnet_id"]}};
    if (!i.nics[k].ip.empty()) fixed["ip_address"] = i.nics[k].ip;
    auto port = central.Post("/v2.0/ports", {{"port",
                                              {{"name", i.name + "-eth" + std::to_string(k)},
                                               {"network_id", net["id"]},
                                               {"fixed_ips", {fixed}},
                                               {"binding:host_id", i.host},
                                               {"device_owner", model::kOwnerCompute},
                                               {"device_id", i.name}}}});
    if (!port.ok()) return port.status();
    const json& p = (*port)["port"];
    std::string dev = "eth" + std::to_string(k);
    spec.nics.push_back({dev, p["mac_address"], p["id"], 1500});
    nics.push_back({{"dev", dev},
                    {"network", i.nics[k].network},
                    {"port_id", p["id"]},
                    {"mac", p["mac_address"]},
                    {"ip", p["fixed_ips"][0]["ip_address"]}});
  }
  for (const auto& nic : nics) ISTHMUS_RETURN_IF_ERROR(OpenLabChecks(central, facts, nic["port_id"]));
  ISTHMUS_RETURN_IF_ERROR(CreateInstance(runner, spec));
  int m = i.matrix_nic < static_cast<int>(nics.size()) ? i.matrix_nic : 0;
  facts["instances"][i.name] = {{"host", i.host},
                                {"cloud", own_cloud},
                                {"network", nics[m]["network"]},
                                {"port_id", nics[m]["port_id"]},
                                {"mac", nics[m]["mac"]},
                                {"ip", nics[m]["ip"]},
                                {"nics", nics},
                                {"netns", InstanceNamespace(i.name)}};
  return Status::Ok();
}

Status AddInstanceForPort(json& facts, const std::string& name, const std::string& port_id,
                          Runner& runner) {
  if (facts["instances"].contains(name)) return Conflict("instance " + name + " already exists");
  ApiClient central(*Endpoint::Parse(facts.value("central", "")), LabCredentials(facts));
  auto port = central.Get("/v2.0/ports/" + port_id);
  if (!port.ok()) return port.status();
  const json& p = (*port)["port"];
  std::string host = p.value("binding:host_id", "");
  if (host.empty() || !facts["hosts"].contains(host))
    return InvalidArgument("port " + port_id + " is not bound to a host of this lab (binding:host_id '" + host + "')");
  if (p["fixed_ips"].empty()) return InvalidArgument("port " + port_id + " has no fixed IP");
  auto net = central.Get("/v2.0/networks/" + p.value("network_id", ""));
  if (!net.ok()) return net.status();
  InstanceSpec spec{name, host, {{"eth0", p["mac_address"], port_id, 1500}}};
  ISTHMUS_RETURN_IF_ERROR(CreateInstance(runner, spec));
  json nic = {{"dev", "eth0"},
              {"network", (*net)["network"].value("name", "")},
              {"port_id", port_id},
              {"mac", p["mac_address"]},
              {"ip", p["fixed_ips"][0]["ip_address"]}};
  facts["instances"][name] = {{"host", host},
                              {"cloud", p.value("isthmus:cloud", "")},
                              {"network", nic["network"]},
                              {"port_id", port_id},
                              {"mac", nic["mac"]},
                              {"ip", nic["ip"]},
                              {"nics", {nic}},
                              {"netns", InstanceNamespace(name)}};
  return Status::Ok();
}

Status StartDhcpClients(const json& facts, const std::string& instance) {
  for (const auto& nic : facts["instances"][instance]["nics"])
    ISTHMUS_RETURN_IF_ERROR(StartDhcpClient(instance, nic.value("dev", "")));
  return Status::Ok();
}

Status WaitDhcpLeases(json& facts, const std::string& instance, int timeout_ms) {
  json& inst = facts["instances"][instance];
  for (auto& nic : inst["nics"]) {
    std::string dev = nic.value("dev", "");
    auto lease = WaitLease(instance, dev, 0, timeout_ms);
    if (!lease.ok()) return lease.status();
    if (lease->value("ip", "") != nic.value("ip", ""))
      return Unavailable(instance + " " + dev + " got " + lease->value("ip", "") + " by DHCP, want " +
                         nic.value("ip", ""));
    nic["dhcp_server"] = lease->value("serverid", "");
    nic["gateway"] = lease->value("router", "");
    nic["mtu"] = lease->value("mtu", "");
    nic["dns"] = lease->value("dns", "");
    if (dev == "eth0") {
      for (const char* k : {"gateway", "dhcp_server", "mtu", "dns"}) inst[k] = nic[k];
    }
  }
  return Status::Ok();
}

Credentials LabCredentials(const json& facts, const std::string& project) {
  if (!facts.contains("identity")) return {};
  for (const auto& [user, u] : facts["identity"]["users"].items())
    if (u.value("project", "") == project) return {user, u.value("password", ""), project};
  return {};
}

Result<json> BuildLab(const Topology& topology, Runner& runner, std::ostream& progress) {
  return Builder(topology, runner, progress).Run();
}

Status WaitForConvergence(const json& facts, int timeout_ms, const std::string& only_cloud) {
  // First every change reached every cloud, then every agent applied its
  // cloud's latest state for it.
  auto central = Endpoint::Parse(facts.value("central", ""));
  if (!central.ok()) return central.status();
  TokenSource tokens(*central, LabCredentials(facts));
  ISTHMUS_RETURN_IF_ERROR(WaitFor("central to deliver every event to the clouds", timeout_ms, [&] {
    auto r = AuthedCall(tokens, *central, "GET", "/v2.0/outbox", nullptr, 2000);
    if (!r.ok() || r->status != 200) return false;
    for (const auto& [cloud, o] : r->body["outbox"].items())
      if ((only_cloud.empty() || cloud == only_cloud) && o.value("pending", 1) != 0) return false;
    return true;
  }));
  return WaitFor("every agent to apply its latest desired state", timeout_ms, [&] {
    for (const auto& [name, h] : facts["hosts"].items()) {
      if (!only_cloud.empty() && h.value("cloud", "") != only_cloud) continue;
      auto ep = Endpoint::Parse(h.value("cloud_api", ""));
      if (!ep.ok()) return false;
      auto r = HttpCall(*ep, "GET", "/v1/hosts/" + name + "/state?after=0&wait=0", nullptr, 2000);
      if (!r.ok() || r->status != 200) return false;
      int64_t want = r->body.value("revision", int64_t{-1});
      std::ifstream in(h.value("status_file", ""));
      auto st = json::parse(in, nullptr, false);
      if (st.is_discarded() || st.value("revision", int64_t{-2}) != want) return false;
    }
    return true;
  });
}

}  // namespace isthmus::lab
