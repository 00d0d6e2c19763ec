#include "trace/ofproto_trace.h"

#include <map>

#include <cctype>
#include <regex>
#include <sstream>

namespace isthmus::trace {

std::string Packet::FlowString() const {
  std::string f = "in_port=" + in_port;
  if (!tun_id.empty()) f += ",tun_id=" + tun_id + ",tun_src=" + tun_src + ",tun_dst=" + tun_dst;
  f += "," + proto + ",dl_src=" + dl_src + ",dl_dst=" + dl_dst + ",nw_src=" + nw_src + ",nw_dst=" + nw_dst +
       ",nw_ttl=" + std::to_string(nw_ttl);
  if (proto == "icmp") f += ",icmp_type=8,icmp_code=0";
  else f += ",tp_src=40000,tp_dst=" + std::to_string(tp_dst) + (proto == "tcp" ? ",tcp_flags=0x002" : "");  // a SYN
  return f;
}

namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

size_t Indent(const std::string& s) {
  size_t n = 0;
  while (n < s.size() && s[n] == ' ') ++n;
  return n;
}

}  // namespace

TraceResult ParseOfprotoTrace(const std::string& text) {
  static const std::regex kBridge(R"re(^bridge\("([^"]+)"\)$)re");
  // " 0. in_port=2, priority 100, cookie 0x15a7"  /  "60. No match."
  static const std::regex kStep(R"(^\s*(\d+)\. (?:(.*), )?priority (\d+)(?:, cookie (0x[0-9a-f]+))?$)");
  static const std::regex kMiss(R"(^\s*(\d+)\. (No match\.?.*)$)");
  static const std::regex kOutput(R"(^output:(\S+)$)");
  static const std::regex kTunnelTo(R"(^-> tunneling to ([0-9.]+))");
  static const std::regex kCtTable(R"(^ct\(.*table=(\d+))");
  static const std::regex kResume(R"(^Resuming from table (\d+)$)");
  TraceResult r;
  std::string bridge;
  // The bridge of each ct(table=N): OVS heads the resumed section with the
  // bridge the packet entered (br-tun for a frame from a tunnel), not the one
  // whose table N it resumes in.
  std::map<int, std::string> resumes_in;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    std::string t = Trim(line);
    if (std::regex_match(t, m, kBridge)) {
      bridge = m[1];
      continue;
    }
    if (t.rfind("Datapath actions:", 0) == 0) {
      r.datapath_actions = Trim(t.substr(17));
      r.dropped = r.datapath_actions == "drop" || r.datapath_actions.empty();
      continue;
    }
    if (bridge.empty() || t.empty() || t.rfind("---", 0) == 0 || t.rfind("===", 0) == 0) continue;
    // Section heads: a conntrack recirculation resumes the trace (OVS traces
    // it with ct_state trk|new unless told otherwise) with its own flow.
    if (std::regex_match(t, m, kResume)) {
      if (auto it = resumes_in.find(std::stoi(m[1])); it != resumes_in.end()) bridge = it->second;
      continue;
    }
    if (t.rfind("Final flow:", 0) == 0 || t.rfind("Megaflow:", 0) == 0 || t.rfind("Flow:", 0) == 0 ||
        t.rfind("recirc(", 0) == 0 || t == "thaw" || t.rfind("Resuming from table", 0) == 0)
      continue;
    size_t indent = Indent(line);
    if (indent <= 2 && std::regex_match(line, m, kStep)) {
      r.steps.push_back({bridge, std::stoi(m[1]), m[2], std::stoi(m[3]), m[4], {}});
      continue;
    }
    if (indent <= 2 && std::regex_match(line, m, kMiss)) {
      r.steps.push_back({bridge, std::stoi(m[1]), "", -1, "", {}});
      continue;
    }
    if (r.steps.empty()) continue;
    if (std::regex_search(t, m, kTunnelTo)) {
      if (!r.outputs.empty()) r.outputs.back().tunnel_to = m[1];
      continue;
    }
    if (t.rfind("->", 0) == 0 || t.rfind(">>>>", 0) == 0) continue;  // OVS's commentary
    r.steps.back().actions.push_back(t);
    if (std::regex_search(t, m, kCtTable)) resumes_in[std::stoi(m[1])] = bridge;
    if (std::regex_match(t, m, kOutput)) r.outputs.push_back({bridge, m[1], ""});
  }
  return r;
}

void ApplyActions(const TraceResult& t, Packet& p) {
  static const std::regex kSetField(R"(^set_field:([^-]+)->(\w+)$)");
  for (const auto& s : t.steps)
    for (const auto& a : s.actions) {
      std::smatch m;
      if (std::regex_match(a, m, kSetField)) {
        std::string v = m[1], f = m[2];
        if (f == "eth_src") p.dl_src = v;
        else if (f == "eth_dst") p.dl_dst = v;
        else if (f == "tun_id") p.tun_id = v;
      } else if (a.rfind("mod_dl_src:", 0) == 0) {
        p.dl_src = a.substr(11);
      } else if (a.rfind("mod_dl_dst:", 0) == 0) {
        p.dl_dst = a.substr(11);
      } else if (a == "dec_ttl" || a.rfind("dec_ttl(", 0) == 0) {
        --p.nw_ttl;
      }
    }
}

}  // namespace isthmus::trace
