// The connectivity matrix: every ordered pair of instances, measured with real
// ICMP from inside the source instance's namespace.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/process.h"

namespace isthmus::lab {

struct PairResult {
  std::string from, to;
  bool ok = false;
  double rtt_ms = 0;
};

struct Matrix {
  std::vector<std::string> instances;
  std::vector<PairResult> pairs;
  int Reachable() const;
  void Print(std::ostream& out) const;
  nlohmann::json ToJson() const;
};

// attempts: pings per pair before declaring it unreachable (1 s each).
Matrix MeasureMatrix(const nlohmann::json& facts, Runner& runner, int attempts);

}  // namespace isthmus::lab
