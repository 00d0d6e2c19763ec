// The API fuzzer's bound on central's state: what it made lives under a cap
// per kind, and past the cap the oldest goes (with what depends on it), so the
// lists the fuzzer reads around every request, and what central scans per
// request, stay short however many requests run (tests/fuzz/run.sh).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace isthmus::fuzz {

// Central's lists, as GET /v2.0/<plural> returns them (the arrays).
struct Lists {
  nlohmann::json networks, subnets, ports, routers, floatingips, clouds;
};

// One request that removes something.
struct RemoveStep {
  std::string method, path;
  nlohmann::json body;  // null: none
};

struct LiveSetOptions {
  // Largest count of each kind ("cloud" counts every cloud, the kept ones too).
  std::map<std::string, size_t> caps = {{"network", 12}, {"subnet", 12}, {"port", 24}, {"router", 8},
                                        {"floatingip", 8}, {"cloud", 3}};
  std::set<std::string> kept_names;  // never removed (the fuzzer's baseline, its own cloud)
};

class LiveSet {
 public:
  explicit LiveSet(LiveSetOptions options) : options_(std::move(options)) {}
  // Records every resource in the lists in the order first seen (the oldest first).
  void Observe(const Lists& lists);
  // The requests that bring every kind to its cap by removing its oldest first:
  // a router's gateway and interfaces, a subnet's ports, a network's subnets,
  // ports and floating IPs, a cloud's networks and routers go before it.
  std::vector<RemoveStep> Plan(const Lists& lists) const;

 private:
  LiveSetOptions options_;
  std::vector<std::pair<std::string, std::string>> order_;  // (kind, id) of the live, oldest first
  std::set<std::pair<std::string, std::string>> seen_;      // the same, as a set
};

}  // namespace isthmus::fuzz
