#include "lab/topology_file.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "common/net.h"
#include "lab/shipped_topologies.h"

namespace isthmus::lab {
namespace {

using nlohmann::json;

// Reads one JSON object field by field; the first error wins and names its path.
class Fields {
 public:
  Fields(const json& j, std::string path, std::string* error) : j_(j), path_(std::move(path)), error_(error) {
    if (!j_.is_object()) Fail(path_, "must be an object");
  }

  std::string Str(const std::string& key, bool required, const std::string& fallback = "") {
    seen_.insert(key);
    if (!j_.is_object() || !j_.contains(key)) {
      if (required) Fail(At(key), "is required");
      return fallback;
    }
    if (!j_[key].is_string()) {
      Fail(At(key), "must be a string");
      return fallback;
    }
    return j_[key];
  }
  // A string, or null for "none" (a network's gateway).
  std::string StrOrNull(const std::string& key, const std::string& fallback) {
    if (j_.is_object() && j_.contains(key) && j_[key].is_null()) {
      seen_.insert(key);
      return "";
    }
    return Str(key, false, fallback);
  }
  bool Bool(const std::string& key, bool fallback) {
    seen_.insert(key);
    if (!j_.is_object() || !j_.contains(key)) return fallback;
    if (!j_[key].is_boolean()) {
      Fail(At(key), "must be true or false");
      return fallback;
    }
    return j_[key];
  }
  int Int(const std::string& key, int fallback) {
    seen_.insert(key);
    if (!j_.is_object() || !j_.contains(key)) return fallback;
    if (!j_[key].is_number_integer()) {
      Fail(At(key), "must be an integer");
      return fallback;
    }
    return j_[key];
  }
  const json& Array(const std::string& key, bool required) {
    static const json kEmpty = json::array();
    seen_.insert(key);
    if (!j_.is_object() || !j_.contains(key)) {
      if (required) Fail(At(key), "is required");
      return kEmpty;
    }
    if (!j_[key].is_array()) {
      Fail(At(key), "must be an array");
      return kEmpty;
    }
    return j_[key];
  }
  std::vector<std::string> Strings(const std::string& key, bool required) {
    std::vector<std::string> out;
    const json& a = Array(key, required);
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) Fail(At(key) + "[" + std::to_string(i) + "]", "must be a string");
      else out.push_back(a[i]);
    }
    return out;
  }
  const json* Object(const std::string& key) {
    seen_.insert(key);
    return j_.is_object() && j_.contains(key) ? &j_[key] : nullptr;
  }
  // Refuses keys nobody asked for: a typo ("distribted") must not be ignored.
  void NoOthers() {
    if (!j_.is_object()) return;
    for (const auto& [k, v] : j_.items())
      if (!seen_.count(k)) Fail(At(k), "is not a known field");
  }
  std::string At(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& path() const { return path_; }
  void Fail(const std::string& where, const std::string& why) {
    if (error_->empty()) *error_ = where + ": " + why;
  }

 private:
  const json& j_;
  std::string path_;
  std::string* error_;
  std::set<std::string> seen_;
};

std::string Index(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }
std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// Lab names end up in namespace and interface names: lowercase letters,
// digits and '-', starting with a letter or digit.
bool IsLabName(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max || s[0] == '-') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

class Reader {
 public:
  explicit Reader(std::string* error) : error_(error) {}

  Topology Read(const json& j) {
    Fields top(j, "", error_);
    t_.name = top.Str("name", true);
    t_.description = top.Str("description", false);
    t_.bare = top.Bool("bare", false);
    const json& clouds = top.Array("clouds", true);
    for (size_t i = 0; i < clouds.size(); ++i) ReadCloud(clouds[i], Index("clouds", i), i + 1);
    const json& networks = top.Array("networks", false);
    for (size_t i = 0; i < networks.size(); ++i) ReadNetwork(networks[i], Index("networks", i));
    const json& routers = top.Array("routers", false);
    for (size_t i = 0; i < routers.size(); ++i) ReadRouter(routers[i], Index("routers", i));
    const json& instances = top.Array("instances", false);
    for (size_t i = 0; i < instances.size(); ++i) ReadInstance(instances[i], Index("instances", i));
    top.NoOthers();
    if (error_->empty() && t_.clouds.empty()) Fail("clouds", "needs at least one cloud");
    if (error_->empty() && t_.bare && !(t_.networks.empty() && t_.routers.empty() && t_.instances.empty()))
      Fail("bare", "a bare topology has no networks, routers or instances (the user makes them)");
    return std::move(t_);
  }

 private:
  void Fail(const std::string& where, const std::string& why) {
    if (error_->empty()) *error_ = where + ": " + why;
  }

  // Every name of the lab's namespaces (hosts and instances) is unique.
  void Claim(const std::string& name, const std::string& where) {
    if (!namespaces_.insert(name).second) Fail(where, Quote(name) + " is already a host or instance name");
  }

  std::optional<Cidr> CheckCidr(const std::string& text, const std::string& where) {
    auto c = Cidr::Parse(text);
    if (!c.ok()) {
      Fail(where, Quote(text) + " is not a CIDR: " + c.status().message());
      return std::nullopt;
    }
    if (c->prefix_len > 30) Fail(where, Quote(text) + " is too small for a lab subnet (at most /30)");
    for (const auto& [other, name] : cidrs_)
      if (other.Overlaps(*c)) Fail(where, Quote(text) + " overlaps " + name + " " + other.ToString());
    cidrs_.push_back({*c, where});
    return *c;
  }

  void CheckAddressIn(const std::string& ip, const Cidr& cidr, const std::string& where) {
    auto a = Ipv4::Parse(ip);
    if (!a.ok()) Fail(where, Quote(ip) + " is not an IPv4 address");
    else if (!cidr.Contains(*a) || *a == cidr.First() || *a == cidr.Last())
      Fail(where, Quote(ip) + " is not a host address of " + cidr.ToString());
  }

  void ReadCloud(const json& j, const std::string& path, size_t position) {
    Fields f(j, path, error_);
    LabCloud c;
    c.name = f.Str("name", true);
    if (!IsLabName(c.name, kMaxCloudName))
      f.Fail(f.At("name"), Quote(c.name) + " must be 1 to " + std::to_string(kMaxCloudName) +
                               " lowercase letters, digits or '-'");
    if (t_.FindCloud(c.name)) f.Fail(f.At("name"), "a second cloud named " + Quote(c.name));
    if (position > 254) f.Fail(path, "at most 254 clouds");
    c.api_port = kCloudPortBase + static_cast<int>(position);
    std::string n = std::to_string(position);
    c.external = {"ext-net" + n, "172.24." + n + ".0/24", ""};
    if (const json* e = f.Object("external_network")) {
      Fields ef(*e, f.At("external_network"), error_);
      c.external.name = ef.Str("name", false, c.external.name);
      c.external.cidr = ef.Str("cidr", false, c.external.cidr);
      c.external.gateway = ef.Str("gateway", false, "");
      ef.NoOthers();
    }
    if (!IsValidName(c.external.name, 64) || c.external.name.empty())
      Fail(f.At("external_network.name"), "must be 1 to 64 characters");
    if (auto cidr = CheckCidr(c.external.cidr, f.At("external_network.cidr"))) {
      if (c.external.gateway.empty()) c.external.gateway = Ipv4{cidr->First().v + 1}.ToString();
      CheckAddressIn(c.external.gateway, *cidr, f.At("external_network.gateway"));
    }
    const json& hosts = f.Array("hosts", true);
    bool network_node = false;
    for (size_t i = 0; i < hosts.size(); ++i) {
      std::string hp = Index(f.At("hosts"), i);
      Fields hf(hosts[i], hp, error_);
      LabHost h;
      h.name = hf.Str("name", true);
      h.cloud = c.name;
      if (!IsLabName(h.name, kMaxHostName))
        hf.Fail(hf.At("name"), Quote(h.name) + " must be 1 to " + std::to_string(kMaxHostName) +
                                   " lowercase letters, digits or '-'");
      Claim(h.name, hf.At("name"));
      std::string role = hf.Str("role", false, "compute");
      if (role == "network") h.role = HostRole::kNetwork, network_node = true;
      else if (role != "compute") hf.Fail(hf.At("role"), Quote(role) + " is not a role (compute, network)");
      if (i >= 254) hf.Fail(hp, "at most 254 hosts per cloud");
      h.vtep_ip = "10.255." + n + "." + std::to_string(i + 1);
      hf.NoOthers();
      t_.hosts.push_back(h);
    }
    if (!network_node)
      Fail(f.At("hosts"), "cloud " + Quote(c.name) + " needs a host with role \"network\" (DHCP, SNAT, legacy routers)");
    f.NoOthers();
    t_.clouds.push_back(c);
  }

  void ReadNetwork(const json& j, const std::string& path) {
    Fields f(j, path, error_);
    LabNetwork n;
    n.name = f.Str("name", true);
    if (n.name.empty() || !IsValidName(n.name, 64)) f.Fail(f.At("name"), "must be 1 to 64 characters");
    if (t_.FindNetwork(n.name)) f.Fail(f.At("name"), "a second network named " + Quote(n.name));
    for (const auto& c : t_.clouds)
      if (c.external.name == n.name) f.Fail(f.At("name"), Quote(n.name) + " is an external network's name");
    n.clouds = f.Strings("clouds", true);
    if (n.clouds.empty()) f.Fail(f.At("clouds"), "needs at least one cloud");
    for (size_t i = 0; i < n.clouds.size(); ++i) {
      if (!t_.FindCloud(n.clouds[i])) f.Fail(Index(f.At("clouds"), i), "no cloud " + Quote(n.clouds[i]));
      for (size_t k = 0; k < i; ++k)
        if (n.clouds[k] == n.clouds[i]) f.Fail(Index(f.At("clouds"), i), Quote(n.clouds[i]) + " twice");
    }
    n.cidr = f.Str("cidr", true);
    auto cidr = CheckCidr(n.cidr, f.At("cidr"));
    std::string first = cidr ? Ipv4{cidr->First().v + 1}.ToString() : "";
    n.gateway_ip = f.StrOrNull("gateway", first);
    if (cidr && !n.gateway_ip.empty()) CheckAddressIn(n.gateway_ip, *cidr, f.At("gateway"));
    auto mode = ParseGatewayMode(f.Str("gateway_mode", false, "anycast"));
    if (!mode.ok()) f.Fail(f.At("gateway_mode"), mode.status().message());
    else n.gateway_mode = *mode;
    f.NoOthers();
    t_.networks.push_back(n);
  }

  void ReadRouter(const json& j, const std::string& path) {
    Fields f(j, path, error_);
    LabRouter r;
    r.name = f.Str("name", true);
    if (r.name.empty() || !IsValidName(r.name, 64)) f.Fail(f.At("name"), "must be 1 to 64 characters");
    if (t_.FindRouter(r.name)) f.Fail(f.At("name"), "a second router named " + Quote(r.name));
    r.cloud = f.Str("cloud", true);
    if (!t_.FindCloud(r.cloud)) f.Fail(f.At("cloud"), "no cloud " + Quote(r.cloud));
    r.distributed = f.Bool("distributed", true);
    r.external_gateway = f.Bool("external_gateway", true);
    r.networks = f.Strings("networks", false);
    for (size_t i = 0; i < r.networks.size(); ++i) {
      std::string at = Index(f.At("networks"), i);
      const LabNetwork* n = t_.FindNetwork(r.networks[i]);
      if (!n) {
        f.Fail(at, "no network " + Quote(r.networks[i]));
        continue;
      }
      if (n->gateway_ip.empty()) f.Fail(at, "network " + Quote(n->name) + " has no gateway to attach");
      if (std::find(n->clouds.begin(), n->clouds.end(), r.cloud) == n->clouds.end())
        f.Fail(at, "network " + Quote(n->name) + " does not span the router's cloud " + Quote(r.cloud));
      for (size_t k = 0; k < i; ++k)
        if (r.networks[k] == r.networks[i]) f.Fail(at, Quote(r.networks[i]) + " twice");
      for (const auto& other : t_.routers)
        if (other.cloud == r.cloud &&
            std::find(other.networks.begin(), other.networks.end(), n->name) != other.networks.end())
          f.Fail(at, "router " + Quote(other.name) + " of " + Quote(r.cloud) + " already routes " +
                         Quote(n->name) + " (one router per network and cloud)");
    }
    f.NoOthers();
    t_.routers.push_back(r);
  }

  void ReadInstance(const json& j, const std::string& path) {
    Fields f(j, path, error_);
    LabInstance i;
    i.name = f.Str("name", true);
    if (!IsLabName(i.name, kMaxInstanceName))
      f.Fail(f.At("name"), Quote(i.name) + " must be 1 to " + std::to_string(kMaxInstanceName) +
                               " lowercase letters, digits or '-'");
    Claim(i.name, f.At("name"));
    i.host = f.Str("host", true);
    const LabHost* host = t_.FindHost(i.host);
    if (!host) f.Fail(f.At("host"), "no host " + Quote(i.host));
    const json& nics = f.Array("nics", true);
    if (nics.empty()) f.Fail(f.At("nics"), "needs at least one NIC");
    if (nics.size() > 8) f.Fail(f.At("nics"), "at most 8 NICs");
    for (size_t k = 0; k < nics.size(); ++k) {
      Fields nf(nics[k], Index(f.At("nics"), k), error_);
      LabNic nic{nf.Str("network", true), nf.Str("ip", false)};
      const LabNetwork* n = t_.FindNetwork(nic.network);
      if (!n) nf.Fail(nf.At("network"), "no network " + Quote(nic.network));
      else if (host && std::find(n->clouds.begin(), n->clouds.end(), host->cloud) == n->clouds.end())
        nf.Fail(nf.At("network"), "network " + Quote(n->name) + " does not span " + Quote(host->cloud) +
                                      ", the cloud of host " + Quote(host->name));
      if (n && !nic.ip.empty()) {
        if (auto c = Cidr::Parse(n->cidr); c.ok()) CheckAddressIn(nic.ip, *c, nf.At("ip"));
        if (!ips_.insert(nic.ip).second) nf.Fail(nf.At("ip"), Quote(nic.ip) + " is already another NIC's");
        if (nic.ip == n->gateway_ip) nf.Fail(nf.At("ip"), Quote(nic.ip) + " is the network's gateway");
      }
      nf.NoOthers();
      i.nics.push_back(nic);
    }
    i.floating_ip = f.Bool("floating_ip", false);
    if (i.floating_ip && host && !i.nics.empty() && !HasOwnGateway(i.nics[0].network, host->cloud))
      f.Fail(f.At("floating_ip"), "instance " + Quote(i.name) + "'s first network " + Quote(i.nics[0].network) +
                                      " has no router with a gateway in its cloud " + Quote(host->cloud) +
                                      " (a floating IP is served by a router of the instance's own cloud)");
    i.matrix_nic = f.Int("matrix_nic", 0);
    if (i.matrix_nic < 0 || i.matrix_nic >= static_cast<int>(std::max<size_t>(nics.size(), 1)))
      f.Fail(f.At("matrix_nic"), "must name one of the instance's NICs (0-based)");
    f.NoOthers();
    t_.instances.push_back(i);
  }

  // A router of `cloud` with an external gateway has a leg on `network`.
  bool HasOwnGateway(const std::string& network, const std::string& cloud) const {
    for (const auto& r : t_.routers)
      if (r.cloud == cloud && r.external_gateway &&
          std::find(r.networks.begin(), r.networks.end(), network) != r.networks.end())
        return true;
    return false;
  }

  std::string* error_;
  Topology t_;
  std::set<std::string> namespaces_;
  std::set<std::string> ips_;
  std::vector<std::pair<Cidr, std::string>> cidrs_ = {
      {*Cidr::Parse("10.255.0.0/16"), "the lab's underlay"},
      {*Cidr::Parse("198.51.100.0/24"), "the lab's internet"}};
};

}  // namespace

Result<Topology> ParseTopology(const json& j, const std::string& source) {
  std::string error;
  Topology t = Reader(&error).Read(j);
  if (!error.empty()) return InvalidArgument("topology " + source + ": " + error);
  return t;
}

Result<Topology> LoadTopology(const std::string& what) {
  bool is_path = what.find('/') != std::string::npos ||
                 (what.size() > 5 && what.compare(what.size() - 5, 5, ".json") == 0);
  if (!is_path) {
    for (const auto& [name, text] : ShippedTopologyFiles()) {
      if (name != what) continue;
      json j = json::parse(text, nullptr, false);
      if (j.is_discarded()) return Internal("shipped topology " + what + " is not JSON");
      return ParseTopology(j, "topologies/" + what + ".json");
    }
    std::string known;
    for (const auto& s : ShippedTopologies()) known += (known.empty() ? "" : ", ") + s.name;
    return InvalidArgument("unknown topology '" + what + "'; shipped: " + known +
                           " (or a path to a topology file, docs/topology.md)");
  }
  std::ifstream in(what);
  if (!in) return NotFound("cannot read topology file " + what);
  std::stringstream text;
  text << in.rdbuf();
  json j;
  try {
    j = json::parse(text.str());
  } catch (const json::parse_error& e) {
    return InvalidArgument("topology " + what + " is not JSON: " + e.what());
  }
  return ParseTopology(j, what);
}

json TopologyToJson(const Topology& t) {
  json j = {{"name", t.name}, {"description", t.description}, {"clouds", json::array()}};
  if (t.bare) j["bare"] = true;
  for (const auto& c : t.clouds) {
    json hosts = json::array();
    for (const auto& h : t.hosts)
      if (h.cloud == c.name) hosts.push_back({{"name", h.name}, {"role", ToString(h.role)}});
    j["clouds"].push_back(
        {{"name", c.name},
         {"external_network", {{"name", c.external.name}, {"cidr", c.external.cidr}, {"gateway", c.external.gateway}}},
         {"hosts", hosts}});
  }
  if (t.bare) return j;
  j["networks"] = json::array();
  for (const auto& n : t.networks)
    j["networks"].push_back({{"name", n.name},
                             {"clouds", n.clouds},
                             {"cidr", n.cidr},
                             {"gateway", n.gateway_ip.empty() ? json(nullptr) : json(n.gateway_ip)},
                             {"gateway_mode", ToString(n.gateway_mode)}});
  j["routers"] = json::array();
  for (const auto& r : t.routers)
    j["routers"].push_back({{"name", r.name},
                            {"cloud", r.cloud},
                            {"distributed", r.distributed},
                            {"external_gateway", r.external_gateway},
                            {"networks", r.networks}});
  j["instances"] = json::array();
  for (const auto& i : t.instances) {
    json nics = json::array();
    for (const auto& n : i.nics) {
      json nic = {{"network", n.network}};
      if (!n.ip.empty()) nic["ip"] = n.ip;
      nics.push_back(nic);
    }
    j["instances"].push_back({{"name", i.name},
                              {"host", i.host},
                              {"nics", nics},
                              {"floating_ip", i.floating_ip},
                              {"matrix_nic", i.matrix_nic}});
  }
  return j;
}

std::vector<ShippedTopology> ShippedTopologies() {
  std::vector<ShippedTopology> out;
  for (const auto& [name, text] : ShippedTopologyFiles()) {
    json j = json::parse(text, nullptr, false);
    out.push_back({std::string(name), j.is_object() ? j.value("description", "") : ""});
  }
  return out;
}

}  // namespace isthmus::lab
