#include "trace/trace_main.h"

#include <iostream>
#include <regex>

#include "common/net.h"
#include "common/process.h"
#include "lab/facts.h"
#include "lab/machine.h"
#include "lab/paths.h"
#include "trace/tracer.h"

namespace isthmus::trace {
namespace {

constexpr char kUsage[] = R"(usage: isthmus trace INSTANCE DEST_IP [--tcp PORT | --udp PORT] [--src-ip IP] [--dl-dst MAC]

Follows one packet from INSTANCE (of the lab that is up) to DEST_IP without
sending it: ofproto/trace on the instance's host, the kernel's route and
neighbour tables in each router namespace it enters, and the same again on the
host at the other end of each VXLAN tunnel, in any cloud. Prints every flow
table it went through (named as in docs/architecture.md) and the verdict:
delivered (to which port), dropped (by which table and rule), flooded, or
leaves (north-south, toward the external network).

  --tcp PORT, --udp PORT   trace a TCP or UDP packet to PORT (default: ICMP echo)
  --src-ip IP              a source address other than the instance's own (a spoof)
  --dl-dst MAC             the first hop's MAC (default: the instance's neighbour
                           entry for its next hop, from its own tables)
Exit status: 0 delivered, 1 anything else, 2 bad usage.
)";

int Usage(const std::string& what) {
  std::cerr << "isthmus trace: " << what << "\n" << kUsage;
  return 2;
}

int Fail(const std::string& what) {
  std::cerr << "isthmus trace: " << what << "\n";
  return 1;
}

// The instance's next-hop MAC toward dst, from its own route and neighbour tables.
Result<std::string> NextHopMac(Runner& runner, const std::string& netns, const std::string& dst) {
  ISTHMUS_ASSIGN_OR_RETURN(route, lab::Exec(runner, netns, {"ip", "route", "get", dst}));
  if (route.exit_code != 0) return NotFound("the instance has no route to " + dst);
  std::smatch m;
  static const std::regex kVia(R"( via (\S+))"), kDev(R"( dev (\S+))"), kLladdr(R"(lladdr (\S+))");
  std::string next = std::regex_search(route.out, m, kVia) ? std::string(m[1]) : dst;
  std::string dev = std::regex_search(route.out, m, kDev) ? std::string(m[1]) : "eth0";
  ISTHMUS_ASSIGN_OR_RETURN(neigh, lab::Exec(runner, netns, {"ip", "neigh", "show", next, "dev", dev}));
  if (!std::regex_search(neigh.out, m, kLladdr))
    return NotFound("the instance has no neighbour entry for " + next + " (ping it once, or give --dl-dst)");
  return std::string(m[1]);
}

}  // namespace

int Main(const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  Packet p;
  std::string src_ip, dl_dst;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* what) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)what;
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--tcp" || a == "--udp") {
      auto v = value(a.c_str());
      int port = v ? std::atoi(v->c_str()) : 0;
      if (port < 1 || port > 65535) return Usage(a + " needs a port 1-65535");
      p.proto = a.substr(2);
      p.tp_dst = port;
    } else if (a == "--src-ip") {
      auto v = value("--src-ip");
      if (!v || !Ipv4::Parse(*v).ok()) return Usage("--src-ip needs an IPv4 address");
      src_ip = *v;
    } else if (a == "--dl-dst") {
      auto v = value("--dl-dst");
      if (!v || !Mac::Parse(*v).ok()) return Usage("--dl-dst needs a MAC address");
      dl_dst = *v;
    } else if (!a.empty() && a[0] == '-') {
      return Usage("unknown option " + a);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 2) return Usage("give an instance and a destination IP");
  if (!Ipv4::Parse(pos[1]).ok()) return Usage("'" + pos[1] + "' is not an IPv4 address");
  auto facts = lab::LoadFacts(lab::LabFactsPath());
  if (!facts.ok()) return Fail(facts.status().message());
  const auto& f = *facts;
  if (!f.contains("instances") || !f["instances"].contains(pos[0]))
    return Fail("no instance '" + pos[0] + "' in the lab (isthmus lab show --get instances)");
  const auto& inst = f["instances"][pos[0]];
  std::vector<TraceHost> hosts;
  for (const auto& [name, h] : f["hosts"].items())
    hosts.push_back({name, h.value("vtep_ip", ""), h.value("ovs_rundir", ""), h.value("netns", ""),
                     h.value("netns", "") + "-"});
  std::map<std::string, std::string> labels;
  for (const auto& [name, i] : f["instances"].items())
    for (const auto& nic : i.value("nics", nlohmann::json::array()))
      labels[nic.value("port_id", "")] = name + (i["nics"].size() > 1 ? " " + nic.value("dev", "") : "");
  SystemRunner runner(10000);
  Tracer tracer(runner, hosts, labels);
  std::string host = inst.value("host", "");
  auto vif = tracer.VifOf(host, inst.value("port_id", ""));
  if (!vif.ok()) return Fail(vif.status().message());
  p.in_port = *vif;
  p.dl_src = inst.value("mac", "");
  p.nw_src = src_ip.empty() ? inst.value("ip", "") : src_ip;
  p.nw_dst = pos[1];
  if (dl_dst.empty()) {
    auto mac = NextHopMac(runner, inst.value("netns", ""), pos[1]);
    if (!mac.ok()) return Fail(mac.status().message());
    dl_dst = *mac;
  }
  p.dl_dst = dl_dst;
  std::cout << "trace " << pos[0] << " (" << p.nw_src << ", " << p.in_port << " on " << host << ") -> " << pos[1] << " "
            << p.proto << (p.tp_dst ? " port " + std::to_string(p.tp_dst) : "") << ", first hop " << p.dl_dst << "\n";
  auto report = tracer.Run(host, p);
  if (!report.ok()) return Fail(report.status().message());
  std::cout << FormatReport(*report);
  return report->verdict == "delivered" ? 0 : 1;
}

}  // namespace isthmus::trace
