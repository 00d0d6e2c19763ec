// The north-south table: every instance fetches the internet service's page
// (which names the caller's address, so the source address seen upstream tells
// which cloud's external network the request left through: SNAT or floating
// IP), and the internet fetches every instance's own page through its floating
// IP. Real HTTP over real TCP (curl), measured from inside the namespaces.
// The expected external network is that of the instance's gateway router's
// cloud (routes.h); an instance with no way out is a "no route" row.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/process.h"
#include "lab/routes.h"

namespace isthmus::lab {

struct NorthSouthRow {
  std::string instance;
  std::string cloud;
  std::string direction;      // "out" (to the internet) or "in" (via floating IP)
  std::string expected;       // out: its gateway router's cloud's external network;
                              // in: its own cloud's (where its floating IP is)
  std::string used;           // the external network the address seen belongs to
  std::string address;        // out: source seen by the internet; in: the floating IP
  bool routable = true;       // false: no way out by design ("no route", not measured)
  bool ok = false;
};

struct NorthSouth {
  std::vector<NorthSouthRow> rows;
  int Passed() const;
  int Routable() const;
  bool AllPassed() const { return Passed() == Routable(); }
  void Print(std::ostream& out) const;
  nlohmann::json ToJson() const;
};

NorthSouth MeasureNorthSouth(const nlohmann::json& facts, const Routes& routes, Runner& runner,
                             int attempts);

}  // namespace isthmus::lab
