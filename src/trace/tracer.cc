#include "trace/tracer.h"

#include <algorithm>
#include <regex>
#include <sstream>

#include "agent/pipeline.h"

namespace isthmus::trace {

std::string TableName(const std::string& bridge, int table) {
  using namespace agent;
  static const std::map<int, std::string> kInt = {
      {kIntLocalSwitching, "LOCAL_SWITCHING"}, {kIntDvrToSrcMac, "DVR_TO_SRC_MAC"},
      {kIntArpSpoof, "ARP_SPOOF"},             {kIntMacSpoof, "MAC_SPOOF"},
      {kIntForward, "FORWARD"},               {kIntRoute, "ROUTE"},
      {kIntBaseEgress, "BASE_EGRESS"},
      {kIntRulesEgress, "RULES_EGRESS"},       {kIntBaseIngress, "BASE_INGRESS"},
      {kIntRulesIngress, "RULES_INGRESS"}};
  static const std::map<int, std::string> kTun = {
      {kTunLocalSwitching, "LOCAL_SWITCHING"}, {kTunDvrProcess, "DVR_PROCESS"},
      {kTunPatchLvToTun, "PATCH_LV_TO_TUN"},   {kTunVxlanToLv, "VXLAN_TUN_TO_LV"},
      {kTunDvrNotLearn, "DVR_NOT_LEARN"},      {kTunLearnFromTun, "LEARN_FROM_TUN"},
      {kTunUcastToTun, "UCAST_TO_TUN"},        {kTunArpResponder, "ARP_RESPONDER"},
      {kTunFloodToTun, "FLOOD_TO_TUN"}};
  const auto& names = bridge == kBrInt ? kInt : bridge == kBrTun ? kTun : std::map<int, std::string>{};
  auto it = names.find(table);
  return it == names.end() ? "" : it->second;
}

namespace {

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool StartsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// "br-int table 25 MAC_SPOOF (priority 0)": a flow-table hop, as a drop names it.
std::string Describe(const Hop& h) {
  std::string out = h.where + " table " + std::to_string(h.table) + (h.table_name.empty() ? "" : " " + h.table_name);
  if (h.priority < 0) return out + " (no flow matched)";
  return out + " (priority " + std::to_string(h.priority) + (h.match.empty() ? "" : ", " + h.match) + ")";
}

}  // namespace

const TraceHost* Tracer::Host(const std::string& name) const {
  for (const auto& h : hosts_)
    if (h.name == name) return &h;
  return nullptr;
}

const TraceHost* Tracer::HostOfVtep(const std::string& ip) const {
  for (const auto& h : hosts_)
    if (h.vtep_ip == ip) return &h;
  return nullptr;
}

Result<std::string> Tracer::OvsTool(const TraceHost& h, std::vector<std::string> argv) {
  Command c;
  if (!h.netns.empty()) c.argv = {"ip", "netns", "exec", h.netns};
  c.argv.insert(c.argv.end(), argv.begin(), argv.end());
  c.env = {{"OVS_RUNDIR", h.ovs_rundir}};
  c.timeout_ms = 10000;
  ISTHMUS_ASSIGN_OR_RETURN(out, runner_.Run(c));
  if (out.exit_code != 0) return Unavailable(argv[0] + " on " + h.name + " failed: " + out.err);
  return out.out;
}

Result<std::string> Tracer::Ip(const std::string& netns, std::vector<std::string> argv) {
  Command c{{"ip", "-n", netns}, "", {}, 10000};
  c.argv.insert(c.argv.end(), argv.begin(), argv.end());
  ISTHMUS_ASSIGN_OR_RETURN(out, runner_.Run(c));
  if (out.exit_code != 0) return NotFound("ip -n " + netns + " " + Join(argv, " ") + ": " + out.err);
  return out.out;
}

Result<std::string> Tracer::PortName(const TraceHost& h, const std::string& bridge, const std::string& number) {
  auto& names = port_names_[h.name + "/" + bridge];
  if (names.empty()) {
    ISTHMUS_ASSIGN_OR_RETURN(desc, OvsTool(h, {"ovs-ofctl", "-O", "OpenFlow13", "dump-ports-desc", bridge}));
    static const std::regex kPort(R"(^\s*(\d+|LOCAL)\(([^)]+)\):)");
    std::istringstream in(desc);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_search(line, m, kPort)) names[m[1]] = m[2];
    }
  }
  auto it = names.find(number);
  return it == names.end() ? number : it->second;  // already a name
}

Result<std::string> Tracer::NamePorts(const TraceHost& h, const std::string& bridge, const std::string& text) {
  static const std::regex kPortRef(R"((in_port=|output:)(\d+))");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), kPortRef);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    ISTHMUS_ASSIGN_OR_RETURN(name, PortName(h, bridge, (*it)[2]));
    out += text.substr(last, it->position() - last) + std::string((*it)[1]) + name;
    last = it->position() + it->length();
  }
  return out + text.substr(last);
}

Result<std::string> Tracer::VifOf(const std::string& host, const std::string& port_id) {
  const TraceHost* h = Host(host);
  if (!h) return NotFound("no host " + host);
  ISTHMUS_ASSIGN_OR_RETURN(out, OvsTool(*h, {"ovs-vsctl", "--bare", "--columns=name", "find", "Interface",
                                             "external_ids:iface-id=" + port_id}));
  std::string name = out.substr(0, out.find('\n'));
  if (name.empty()) return NotFound("port " + port_id + " is not plugged on " + host);
  return name;
}

Status Tracer::RouterHop(const TraceHost& h, const std::string& in_dev, Packet& p, TraceReport& r, bool& go_on) {
  go_on = false;
  // The router namespace holding in_dev on this host.
  Command list{{"ip", "netns", "list"}, "", {}, 10000};
  ISTHMUS_ASSIGN_OR_RETURN(nslist, runner_.Run(list));
  std::string ns;
  std::istringstream in(nslist.out);
  for (std::string line; std::getline(in, line);) {
    std::string name = line.substr(0, line.find(' '));
    if (!StartsWith(name, h.ns_prefix.c_str())) continue;
    if (Ip(name, {"-o", "link", "show", "dev", in_dev}).ok()) {
      ns = name;
      break;
    }
  }
  if (ns.empty()) {
    r.verdict = "dropped";
    r.detail = "on " + h.name + ": no router namespace holds " + in_dev;
    return Status::Ok();
  }
  std::string where = ns.substr(h.ns_prefix.size());
  auto route = Ip(ns, {"route", "get", p.nw_dst, "from", p.nw_src, "iif", in_dev});
  if (!route.ok()) {
    r.hops.push_back({h.name, where, -1, "", -1, "", "no route to " + p.nw_dst});
    r.verdict = "dropped";
    r.detail = "by " + where + " on " + h.name + ": no route to " + p.nw_dst;
    return Status::Ok();
  }
  std::smatch m;
  static const std::regex kVia(R"( via (\S+))"), kDev(R"( dev (\S+))");
  std::string first = route->substr(0, route->find('\n'));
  std::string out_dev = std::regex_search(first, m, kDev) ? std::string(m[1]) : "";
  std::string next = std::regex_search(first, m, kVia) ? std::string(m[1]) : p.nw_dst;
  std::string action = "route " + p.nw_dst + (next != p.nw_dst ? " via " + next : "") + " dev " + out_dev;
  if (!StartsWith(out_dev, "qr-") && !StartsWith(out_dev, "sg-")) {
    r.hops.push_back({h.name, where, -1, "", -1, "from " + in_dev, action});
    r.verdict = "leaves";
    r.detail = "the federation's overlay through " + where + " on " + h.name + " (dev " + out_dev +
               ": north-south, NAT in the kernel)";
    return Status::Ok();
  }
  ISTHMUS_ASSIGN_OR_RETURN(neigh, Ip(ns, {"neigh", "show", next, "dev", out_dev}));
  static const std::regex kLladdr(R"(lladdr (\S+))"), kEther(R"(link/ether (\S+))");
  if (!std::regex_search(neigh, m, kLladdr)) {
    r.hops.push_back({h.name, where, -1, "", -1, "from " + in_dev, action});
    r.verdict = "unknown";
    r.detail = where + " on " + h.name + " has no neighbour entry for " + next + " (it would ARP for it)";
    return Status::Ok();
  }
  std::string dst_mac = m[1];
  ISTHMUS_ASSIGN_OR_RETURN(link, Ip(ns, {"-o", "link", "show", "dev", out_dev}));
  if (!std::regex_search(link, m, kEther)) return Internal("no MAC on " + out_dev + " in " + ns);
  p.dl_src = m[1];
  p.dl_dst = dst_mac;
  --p.nw_ttl;
  r.hops.push_back({h.name, where, -1, "", -1, "from " + in_dev,
                    action + ", neighbour " + dst_mac + ", ttl " + std::to_string(p.nw_ttl)});
  if (p.nw_ttl <= 0) {
    r.verdict = "dropped";
    r.detail = "by " + where + " on " + h.name + ": TTL exceeded";
    return Status::Ok();
  }
  p.in_port = (StartsWith(out_dev, "qr-") ? "qp-" : "sp-") + out_dev.substr(3);
  go_on = true;
  return Status::Ok();
}

Result<TraceReport> Tracer::Run(const std::string& start_host, Packet p) {
  TraceReport r;
  const TraceHost* h = Host(start_host);
  if (!h) return NotFound("no host " + start_host);
  std::string bridge = agent::kBrInt;
  for (int segment = 0; segment < 12; ++segment) {
    ISTHMUS_ASSIGN_OR_RETURN(text, OvsTool(*h, {"ovs-appctl", "ofproto/trace", bridge, p.FlowString()}));
    TraceResult t = ParseOfprotoTrace(text);
    for (const auto& s : t.steps) {
      if (s.bridge != agent::kBrInt && s.bridge != agent::kBrTun) continue;  // br-phy: the underlay
      ISTHMUS_ASSIGN_OR_RETURN(match, NamePorts(*h, s.bridge, s.match));
      ISTHMUS_ASSIGN_OR_RETURN(actions, NamePorts(*h, s.bridge, Join(s.actions, ", ")));
      r.hops.push_back({h->name, s.bridge, s.table, TableName(s.bridge, s.table), s.priority, match, actions});
    }
    ApplyActions(t, p);
    // Where it left: patch ports are followed by the trace itself.
    std::vector<std::pair<Output, std::string>> exits;
    for (const auto& o : t.outputs) {
      ISTHMUS_ASSIGN_OR_RETURN(name, PortName(*h, o.bridge, o.port));
      if (StartsWith(name, "patch-")) continue;
      exits.push_back({o, name});
    }
    if (exits.empty()) {
      r.verdict = "dropped";
      // The hops of this segment are its flow-table steps, ports already named.
      bool traced = !r.hops.empty() && r.hops.back().host == h->name && r.hops.back().table >= 0;
      r.detail = "on " + h->name + (traced ? " by " + Describe(r.hops.back()) : "");
      return r;
    }
    if (exits.size() > 1) {
      std::vector<std::string> names;
      for (const auto& [o, name] : exits) names.push_back(name + (o.tunnel_to.empty() ? "" : " (to " + o.tunnel_to + ")"));
      r.verdict = "flooded";
      r.detail = "on " + h->name + " to " + Join(names, ", ");
      return r;
    }
    const auto& [out, name] = exits[0];
    if (!out.tunnel_to.empty()) {
      const TraceHost* next = HostOfVtep(out.tunnel_to);
      if (!next) {
        r.verdict = "leaves";
        r.detail = "by tunnel " + name + " to " + out.tunnel_to + ", which is no host of the federation";
        return r;
      }
      r.hops.push_back({h->name, "tunnel", -1, "", -1, "", "VXLAN VNI " + p.tun_id + " " + h->vtep_ip + " -> " +
                                                              out.tunnel_to + " (" + next->name + ")"});
      p.tun_src = h->vtep_ip;
      p.tun_dst = out.tunnel_to;
      p.in_port = agent::TunnelPortName(h->vtep_ip);
      h = next;
      bridge = agent::kBrTun;
      continue;
    }
    p.tun_id.clear();
    p.tun_src.clear();
    p.tun_dst.clear();
    bridge = agent::kBrInt;
    if (StartsWith(name, "qp-") || StartsWith(name, "sp-")) {
      bool go_on = false;
      ISTHMUS_RETURN_IF_ERROR(RouterHop(*h, (StartsWith(name, "qp-") ? "qr-" : "sg-") + name.substr(3), p, r, go_on));
      if (!go_on) return r;
      continue;
    }
    if (out.bridge != agent::kBrInt) {
      r.verdict = "leaves";
      r.detail = "on " + h->name + " by " + out.bridge + " port " + name;
      return r;
    }
    auto iface = OvsTool(*h, {"ovs-vsctl", "--if-exists", "get", "Interface", name, "external_ids:iface-id"});
    std::string port_id = iface.ok() ? *iface : "";
    port_id.erase(std::remove_if(port_id.begin(), port_id.end(), [](char c) { return c == '"' || c == '\n'; }),
                  port_id.end());
    auto label = labels_.find(port_id);
    r.verdict = "delivered";
    r.detail = "to " + (label != labels_.end() ? label->second + " (port " + name + " on " + h->name + ")"
                                                : "port " + name + " on " + h->name);
    return r;
  }
  r.verdict = "dropped";
  r.detail = "a loop: still going after 12 segments";
  return r;
}

std::string FormatReport(const TraceReport& r) {
  std::ostringstream out;
  for (const auto& h : r.hops) {
    out << "  " << h.host << "  " << h.where;
    if (h.table >= 0) out << " " << h.table << (h.table_name.empty() ? "" : " " + h.table_name);
    if (h.priority >= 0) out << "  prio " << h.priority;
    else if (h.table >= 0) out << "  (no flow matched)";
    if (!h.match.empty()) out << "  " << h.match;
    if (!h.actions.empty()) out << "\n      -> " << h.actions;
    out << "\n";
  }
  out << r.verdict << ": " << r.detail << "\n";
  return out.str();
}

}  // namespace isthmus::trace
