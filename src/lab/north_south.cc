#include "lab/north_south.h"

#include <algorithm>
#include <iomanip>

#include "common/net.h"
#include "lab/machine.h"
#include "lab/paths.h"
#include "lab/topology.h"

namespace isthmus::lab {
namespace {

// The external network (by name) whose subnet holds `ip`, or "".
std::string ExternalOf(const nlohmann::json& facts, const std::string& ip) {
  auto addr = Ipv4::Parse(ip);
  if (!addr.ok() || !facts.contains("externals")) return "";
  for (const auto& [cloud, e] : facts["externals"].items()) {
    auto cidr = Cidr::Parse(e.value("cidr", ""));
    if (cidr.ok() && cidr->Contains(*addr)) return e.value("network", "");
  }
  return "";
}

// curl inside netns; the page's last word is the caller's address.
std::string Fetch(Runner& runner, const std::string& netns, const std::string& url, int attempts) {
  for (int a = 0; a < attempts; ++a) {
    auto out = Exec(runner, netns, {"curl", "-s", "-m", "3", url});
    if (out.ok() && out->exit_code == 0 && !out->out.empty()) return out->out;
  }
  return "";
}

std::string LastWord(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.substr(s.rfind(' ') + 1);
}

}  // namespace

int NorthSouth::Passed() const {
  int n = 0;
  for (const auto& r : rows) n += r.routable && r.ok;
  return n;
}

int NorthSouth::Routable() const {
  int n = 0;
  for (const auto& r : rows) n += r.routable;
  return n;
}

void NorthSouth::Print(std::ostream& out) const {
  size_t wi = 10, wc = 7, we = 10;
  for (const auto& r : rows) {
    wi = std::max(wi, r.instance.size() + 2);
    wc = std::max(wc, r.cloud.size() + 2);
    we = std::max({we, r.expected.size() + 2, r.used.size() + 2});
  }
  out << std::left << std::setw(wi) << "instance" << std::setw(wc) << "cloud" << std::setw(22)
      << "direction" << std::setw(we) << "expected" << std::setw(we) << "used" << std::setw(16)
      << "address" << "result\n";
  for (const auto& r : rows)
    out << std::setw(wi) << r.instance << std::setw(wc) << r.cloud << std::setw(22)
        << (r.direction == "out" ? "out to the internet" : "in via floating IP") << std::setw(we)
        << (r.expected.empty() ? "-" : r.expected) << std::setw(we) << (r.used.empty() ? "-" : r.used)
        << std::setw(16) << (r.address.empty() ? "-" : r.address)
        << (!r.routable ? "no route" : r.ok ? "ok" : "FAIL") << "\n";
  out << Passed() << "/" << Routable() << " north-south checks passed";
  if (Routable() != static_cast<int>(rows.size()))
    out << ", " << rows.size() - Routable() << " instances have no route out by design";
  out << "\n";
}

nlohmann::json NorthSouth::ToJson() const {
  nlohmann::json j = {{"passed", Passed()}, {"routable", Routable()}, {"total", rows.size()},
                      {"rows", nlohmann::json::array()}};
  for (const auto& r : rows)
    j["rows"].push_back({{"instance", r.instance}, {"cloud", r.cloud}, {"direction", r.direction},
                         {"expected", r.expected}, {"used", r.used}, {"address", r.address},
                         {"routable", r.routable}, {"ok", r.ok}});
  return j;
}

NorthSouth MeasureNorthSouth(const nlohmann::json& facts, const Routes& routes, Runner& runner,
                             int attempts) {
  NorthSouth ns;
  if (!facts.contains("instances")) return ns;
  std::string service = std::string("http://") + kInternetServiceIp + "/";
  for (const auto& [name, i] : facts["instances"].items()) {
    std::string cloud = i.value("cloud", "");
    std::string own;  // the external network of the instance's own cloud
    if (facts.contains("externals") && facts["externals"].contains(cloud))
      own = facts["externals"][cloud].value("network", "");
    // An instance the topology does not know (lab add-instance --port) is
    // expected to leave through its own cloud.
    std::string expected = routes.Knows(name) ? routes.ExpectedExternal(name) : own;
    NorthSouthRow out{name, cloud, "out", expected, "", "", !expected.empty(), false};
    if (out.routable) {
      std::string page = Fetch(runner, InstanceNamespace(name), service, attempts);
      if (!page.empty()) {
        out.address = LastWord(page);
        out.used = ExternalOf(facts, out.address);
        out.ok = !out.used.empty() && out.used == expected;
      }
    }
    ns.rows.push_back(out);
    std::string fip = i.value("floating_ip", "");
    if (fip.empty()) continue;
    NorthSouthRow in{name, cloud, "in", own, ExternalOf(facts, fip), fip, true, false};
    std::string page = Fetch(runner, kInternetNamespace,
                             "http://" + fip + ":" + std::to_string(kInstanceServicePort) + "/", attempts);
    in.ok = page.rfind(name + ":", 0) == 0 && in.used == own;
    ns.rows.push_back(in);
  }
  return ns;
}

}  // namespace isthmus::lab
