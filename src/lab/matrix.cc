#include "lab/matrix.h"

#include <iomanip>
#include <regex>

#include "lab/machine.h"

namespace isthmus::lab {

int Matrix::Reachable() const {
  int n = 0;
  for (const auto& p : pairs) n += p.ok;
  return n;
}

void Matrix::Print(std::ostream& out) const {
  const int w = 12;
  out << std::left << std::setw(w) << "from \\ to";
  for (const auto& to : instances) out << std::setw(w) << to;
  out << "\n";
  for (const auto& from : instances) {
    out << std::setw(w) << from;
    for (const auto& to : instances) {
      std::string cell = "-";
      for (const auto& p : pairs) {
        if (p.from != from || p.to != to) continue;
        std::ostringstream c;
        if (p.ok) c << "ok " << std::fixed << std::setprecision(1) << p.rtt_ms << "ms";
        else c << "FAIL";
        cell = c.str();
      }
      out << std::setw(w) << cell;
    }
    out << "\n";
  }
  out << Reachable() << "/" << pairs.size() << " ordered pairs reachable\n";
}

nlohmann::json Matrix::ToJson() const {
  nlohmann::json j = {{"reachable", Reachable()}, {"total", pairs.size()}, {"pairs", nlohmann::json::array()}};
  for (const auto& p : pairs)
    j["pairs"].push_back({{"from", p.from}, {"to", p.to}, {"ok", p.ok}, {"rtt_ms", p.rtt_ms}});
  return j;
}

Matrix MeasureMatrix(const nlohmann::json& facts, Runner& runner, int attempts) {
  Matrix m;
  for (const auto& [name, i] : facts["instances"].items()) m.instances.push_back(name);
  static const std::regex kRtt("time=([0-9.]+) ms");
  for (const auto& from : m.instances) {
    for (const auto& to : m.instances) {
      if (from == to) continue;
      PairResult r{from, to, false, 0};
      std::string ip = facts["instances"][to].value("ip", "");
      for (int a = 0; a < attempts && !r.ok; ++a) {
        auto out = Exec(runner, InstanceNamespace(from), {"ping", "-c", "1", "-W", "1", ip});
        if (out.ok() && out->exit_code == 0) {
          r.ok = true;
          std::smatch sm;
          if (std::regex_search(out->out, sm, kRtt)) r.rtt_ms = std::stod(sm[1]);
        }
      }
      m.pairs.push_back(r);
    }
  }
  return m;
}

}  // namespace isthmus::lab
