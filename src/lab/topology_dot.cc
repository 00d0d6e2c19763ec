#include "lab/topology_dot.h"

#include <sstream>
#include <vector>

namespace isthmus::lab {
namespace {

// A label of several lines, each escaped (DOT's "\n" breaks them).
std::string Label(const std::vector<std::string>& lines) {
  std::string inner;
  for (size_t k = 0; k < lines.size(); ++k) {
    std::string q = DotQuote(lines[k]);
    inner += (k ? "\\n" : "") + q.substr(1, q.size() - 2);
  }
  return "\"" + inner + "\"";
}

std::string Id(const std::string& kind, const std::string& name) { return DotQuote(kind + "/" + name); }

std::string NetworkNode(const LabNetwork& n) {
  std::string gw = n.gateway_ip.empty() ? "no gateway" : "gateway " + n.gateway_ip + " (" + ToString(n.gateway_mode) + ")";
  return Id("network", n.name) + " [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0ff\", label=" +
         Label({n.name, n.cidr, gw}) + "];\n";
}

void WriteCloud(const Topology& t, const LabCloud& c, std::ostream& out) {
  out << "  subgraph " << DotQuote("cluster_" + c.name) << " {\n"
      << "    label=" << Label({c.name, c.external.name + " " + c.external.cidr}) << ";\n";
  for (const auto& h : t.hosts)
    if (h.cloud == c.name)
      out << "    " << Id("host", h.name) << " [shape=box3d, label="
          << Label({h.name, ToString(h.role) + ", VTEP " + h.vtep_ip}) << "];\n";
  for (const auto& r : t.routers)
    if (r.cloud == c.name)
      out << "    " << Id("router", r.name) << " [shape=octagon, label="
          << Label({r.name, r.distributed ? "distributed" : "legacy",
                    r.external_gateway ? "gateway on " + c.external.name : "no external gateway"})
          << "];\n";
  for (const auto& i : t.instances) {
    const LabHost* h = t.FindHost(i.host);
    if (!h || h->cloud != c.name) continue;
    std::vector<std::string> lines = {i.name};
    if (i.floating_ip) lines.push_back("floating IP");
    out << "    " << Id("instance", i.name) << " [shape=ellipse, label=" << Label(lines) << "];\n";
  }
  for (const auto& n : t.networks)
    if (n.clouds.size() == 1 && n.clouds[0] == c.name) out << "    " << NetworkNode(n);
  out << "  }\n";
}

}  // namespace

std::string DotQuote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\', out += ch;
    else if (ch == '\n') out += "\\n";
    else if (ch != '\r') out += ch;
  }
  return out + "\"";
}

std::string TopologyDot(const Topology& t) {
  std::ostringstream out;
  out << "graph " << DotQuote(t.name) << " {\n"
      << "  label=" << DotQuote("topology " + t.name) << ";\n"
      << "  labelloc=t;\n"
      << "  node [fontname=\"Helvetica\", fontsize=10];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (const auto& c : t.clouds) WriteCloud(t, c, out);
  for (const auto& n : t.networks)
    if (n.clouds.size() != 1) out << "  " << NetworkNode(n);
  for (const auto& r : t.routers)
    for (const auto& n : r.networks) out << "  " << Id("router", r.name) << " -- " << Id("network", n) << ";\n";
  for (const auto& i : t.instances) {
    out << "  " << Id("host", i.host) << " -- " << Id("instance", i.name) << " [style=dotted];\n";
    for (const auto& nic : i.nics)
      out << "  " << Id("instance", i.name) << " -- " << Id("network", nic.network)
          << " [label=" << DotQuote(nic.ip.empty() ? "DHCP" : nic.ip) << "];\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace isthmus::lab
