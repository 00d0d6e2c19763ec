// The north-south table: every instance fetches the internet service's page
// (which names the caller's address, so the source address seen upstream tells
// which cloud's external network the request left through: SNAT or floating
// IP), and the internet fetches every instance's own page through its floating
// IP. Real HTTP over real TCP (curl), measured from inside the namespaces.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/process.h"

namespace isthmus::lab {

struct NorthSouthRow {
  std::string instance;
  std::string cloud;
  std::string direction;      // "out" (to the internet) or "in" (via floating IP)
  std::string expected;       // the instance's own cloud's external network
  std::string used;           // the external network the address seen belongs to
  std::string address;        // out: source seen by the internet; in: the floating IP
  bool ok = false;
};

struct NorthSouth {
  std::vector<NorthSouthRow> rows;
  int Passed() const;
  void Print(std::ostream& out) const;
  nlohmann::json ToJson() const;
};

NorthSouth MeasureNorthSouth(const nlohmann::json& facts, Runner& runner, int attempts);

}  // namespace isthmus::lab
