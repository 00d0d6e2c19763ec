#include "live_set.h"

namespace isthmus::fuzz {

using nlohmann::json;

namespace {

const std::vector<std::pair<std::string, json Lists::*>> kKinds = {
    {"cloud", &Lists::clouds},   {"router", &Lists::routers}, {"network", &Lists::networks},
    {"subnet", &Lists::subnets}, {"port", &Lists::ports},     {"floatingip", &Lists::floatingips}};

// A cloud is known by its name, everything else by its ID.
std::string KeyOf(const std::string& kind, const json& item) {
  return item.value(kind == "cloud" ? "name" : "id", "");
}

std::string Text(const json& item, const char* key) {
  return item.is_object() && item.contains(key) && item[key].is_string() ? item[key].get<std::string>() : "";
}

bool Hinted(const json& item, const std::string& cloud) {
  const json hints = item.value("availability_zone_hints", json::array());
  for (const auto& h : hints)
    if (h.is_string() && h == cloud) return true;
  return false;
}

std::string GatewayNetwork(const json& router) {
  return Text(router.value("external_gateway_info", json()), "network_id");
}

// Central's own ports (DHCP, router gateway, SNAT, floating IP): they go with
// what owns them. Router interfaces go with remove_router_interface.
bool CentralOwned(const json& port) {
  std::string owner = Text(port, "device_owner");
  return owner.rfind("network:", 0) == 0 && owner.rfind("network:router_interface", 0) != 0;
}

// Plans the removals of one Plan call; each thing at most once.
class Planner {
 public:
  explicit Planner(const Lists& l) : l_(l) {}
  std::vector<RemoveStep> steps;
  std::set<std::pair<std::string, std::string>> removed;

  bool Gone(const std::string& kind, const std::string& key) const { return removed.count({kind, key}) > 0; }

  void Floatingip(const std::string& id) {
    if (!removed.insert({"floatingip", id}).second) return;
    steps.push_back({"DELETE", "/v2.0/floatingips/" + id, json()});
  }
  void Port(const json& p) {
    std::string id = Text(p, "id");
    if (CentralOwned(p) || !removed.insert({"port", id}).second) return;
    if (Text(p, "device_owner").rfind("network:router_interface", 0) == 0) {
      steps.push_back({"PUT", "/v2.0/routers/" + Text(p, "device_id") + "/remove_router_interface", {{"port_id", id}}});
      return;
    }
    for (const auto& f : l_.floatingips)
      if (Text(f, "port_id") == id) Floatingip(Text(f, "id"));
    steps.push_back({"DELETE", "/v2.0/ports/" + id, json()});
  }
  void Router(const json& r) {
    std::string id = Text(r, "id");
    if (!removed.insert({"router", id}).second) return;
    ClearGateway(r);
    for (const auto& p : l_.ports)
      if (Text(p, "device_id") == id && Text(p, "device_owner").rfind("network:router_interface", 0) == 0) Port(p);
    steps.push_back({"DELETE", "/v2.0/routers/" + id, json()});
  }
  void ClearGateway(const json& r) {
    if (GatewayNetwork(r).empty() || !cleared_.insert(Text(r, "id")).second) return;
    steps.push_back({"PUT", "/v2.0/routers/" + Text(r, "id"), {{"router", {{"external_gateway_info", nullptr}}}}});
  }
  void Subnet(const json& s) {
    std::string id = Text(s, "id");
    if (!removed.insert({"subnet", id}).second) return;
    for (const auto& p : l_.ports)
      for (const auto& ip : p.value("fixed_ips", json::array()))
        if (Text(ip, "subnet_id") == id) Port(p);
    steps.push_back({"DELETE", "/v2.0/subnets/" + id, json()});
  }
  void Network(const json& n) {
    std::string id = Text(n, "id");
    if (!removed.insert({"network", id}).second) return;
    for (const auto& f : l_.floatingips)
      if (Text(f, "floating_network_id") == id) Floatingip(Text(f, "id"));
    for (const auto& r : l_.routers)
      if (GatewayNetwork(r) == id) ClearGateway(r);
    for (const auto& p : l_.ports)
      if (Text(p, "network_id") == id) Port(p);
    for (const auto& s : l_.subnets)
      if (Text(s, "network_id") == id) Subnet(s);
    steps.push_back({"DELETE", "/v2.0/networks/" + id, json()});
  }
  void Cloud(const json& c) {
    std::string name = Text(c, "name");
    if (!removed.insert({"cloud", name}).second) return;
    for (const auto& r : l_.routers)
      if (Hinted(r, name)) Router(r);
    for (const auto& n : l_.networks)
      if (Hinted(n, name)) Network(n);
    steps.push_back({"DELETE", "/v2.0/clouds/" + name, json()});
  }
  void Remove(const std::string& kind, const json& item) {
    if (kind == "cloud") Cloud(item);
    else if (kind == "router") Router(item);
    else if (kind == "network") Network(item);
    else if (kind == "subnet") Subnet(item);
    else if (kind == "port") Port(item);
    else Floatingip(Text(item, "id"));
  }

 private:
  const Lists& l_;
  std::set<std::string> cleared_;  // routers whose gateway is cleared
};

}  // namespace

void LiveSet::Observe(const Lists& lists) {
  std::set<std::pair<std::string, std::string>> now;
  for (const auto& [kind, member] : kKinds)
    for (const auto& item : lists.*member) now.insert({kind, KeyOf(kind, item)});
  // What is gone leaves the order (a cloud made again by its name is new).
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& k : order_)
    if (now.count(k)) order.push_back(k);
  for (const auto& [kind, member] : kKinds)
    for (const auto& item : lists.*member) {
      std::pair<std::string, std::string> k{kind, KeyOf(kind, item)};
      if (!seen_.count(k)) order.push_back(k);
    }
  order_ = std::move(order);
  seen_ = std::move(now);
}

std::vector<RemoveStep> LiveSet::Plan(const Lists& lists) const {
  Planner plan(lists);
  for (const auto& [kind, member] : kKinds) {
    const json& items = lists.*member;
    std::map<std::string, const json*> by_key;
    for (const auto& item : items) by_key[KeyOf(kind, item)] = &item;
    auto live = [&] {
      size_t n = 0;
      for (const auto& [key, item] : by_key) n += !plan.Gone(kind, key);
      return n;
    };
    size_t cap = options_.caps.count(kind) ? options_.caps.at(kind) : SIZE_MAX;
    for (auto it = order_.begin(); it != order_.end() && live() > cap; ++it) {
      if (it->first != kind || plan.Gone(kind, it->second)) continue;
      auto item = by_key.find(it->second);
      if (item == by_key.end() || options_.kept_names.count(Text(*item->second, "name"))) continue;
      if (kind == "port" && CentralOwned(*item->second)) continue;
      plan.Remove(kind, *item->second);
    }
  }
  return plan.steps;
}

}  // namespace isthmus::fuzz
