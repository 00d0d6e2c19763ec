#include "lab/matrix.h"

#include <algorithm>
#include <atomic>
#include <iomanip>
#include <regex>
#include <sstream>
#include <thread>

#include "lab/machine.h"

namespace isthmus::lab {
namespace {

std::string Cell(const PairResult& p) {
  if (!p.routable) return "no route";
  if (!p.ok) return "FAIL";
  std::ostringstream c;
  c << "ok " << std::fixed << std::setprecision(1) << p.rtt_ms << "ms";
  return c.str();
}

void Ping(const nlohmann::json& facts, Runner& runner, int attempts, PairResult& r) {
  static const std::regex kRtt("time=([0-9.]+) ms");
  std::string ip = facts["instances"][r.to].value("ip", "");
  for (int a = 0; a < attempts && !r.ok; ++a) {
    auto out = Exec(runner, InstanceNamespace(r.from), {"ping", "-c", "1", "-W", "1", ip});
    if (out.ok() && out->exit_code == 0) {
      r.ok = true;
      std::smatch sm;
      if (std::regex_search(out->out, sm, kRtt)) r.rtt_ms = std::stod(sm[1]);
    }
  }
}

}  // namespace

int Matrix::Reachable() const {
  int n = 0;
  for (const auto& p : pairs) n += p.routable && p.ok;
  return n;
}

int Matrix::Routable() const {
  int n = 0;
  for (const auto& p : pairs) n += p.routable;
  return n;
}

void Matrix::Print(std::ostream& out) const {
  size_t w = std::string("from \\ to").size();
  for (const auto& name : instances) w = std::max(w, name.size());
  for (const auto& p : pairs) w = std::max(w, Cell(p).size());
  w += 2;
  out << std::left << std::setw(w) << "from \\ to";
  for (const auto& to : instances) out << std::setw(w) << to;
  out << "\n";
  for (const auto& from : instances) {
    out << std::setw(w) << from;
    for (const auto& to : instances) {
      std::string cell = "-";
      for (const auto& p : pairs)
        if (p.from == from && p.to == to) cell = Cell(p);
      out << std::setw(w) << cell;
    }
    out << "\n";
  }
  out << Reachable() << "/" << Routable() << " routable ordered pairs reachable, "
      << pairs.size() - Routable() << " pairs have no route by design\n";
}

nlohmann::json Matrix::ToJson() const {
  nlohmann::json j = {{"reachable", Reachable()},
                      {"routable", Routable()},
                      {"total", pairs.size()},
                      {"pairs", nlohmann::json::array()}};
  for (const auto& p : pairs)
    j["pairs"].push_back({{"from", p.from}, {"to", p.to}, {"routable", p.routable}, {"ok", p.ok},
                          {"rtt_ms", p.rtt_ms}});
  return j;
}

Matrix MeasureMatrix(const nlohmann::json& facts, const Routes& routes, Runner& runner, int attempts,
                     int parallel) {
  Matrix m;
  for (const auto& [name, i] : facts["instances"].items()) m.instances.push_back(name);
  for (const auto& from : m.instances)
    for (const auto& to : m.instances)
      if (from != to) m.pairs.push_back({from, to, routes.Routable(from, to), false, 0});
  // Workers take the next routable pair; each result lands in its own slot,
  // so the output keeps its order.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k; (k = next++) < m.pairs.size();)
      if (m.pairs[k].routable) Ping(facts, runner, attempts, m.pairs[k]);
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < std::max(parallel, 1); ++t) workers.emplace_back(work);
  for (auto& t : workers) t.join();
  return m;
}

}  // namespace isthmus::lab
