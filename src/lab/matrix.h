// The connectivity matrix: every ordered pair of instances the routers can
// carry (routes.h), measured with real ICMP from inside the source instance's
// namespace, a bounded number of pairs at a time; the others print "no route".
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/process.h"
#include "lab/routes.h"

namespace isthmus::lab {

struct PairResult {
  std::string from, to;
  bool routable = true;  // false: no route by design, not pinged
  bool ok = false;
  double rtt_ms = 0;
};

struct Matrix {
  std::vector<std::string> instances;
  std::vector<PairResult> pairs;  // row by row: from, then to, in instances' order
  int Reachable() const;
  int Routable() const;
  // Every routable pair answered.
  bool AllReachable() const { return Reachable() == Routable(); }
  void Print(std::ostream& out) const;
  nlohmann::json ToJson() const;
};

// attempts: pings per pair before declaring it unreachable (1 s each);
// parallel: how many pairs are pinged at once.
Matrix MeasureMatrix(const nlohmann::json& facts, const Routes& routes, Runner& runner, int attempts,
                     int parallel = 8);

}  // namespace isthmus::lab
