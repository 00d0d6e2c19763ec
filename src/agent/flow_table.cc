#include "agent/flow_table.h"

namespace isthmus::agent {

void FlowTable::Add(int table, int priority, const std::string& match, const std::string& actions) {
  flows_[Key{table, priority, match}] = actions;
}

std::string FlowTable::Spec(const Key& k) {
  std::string s = "table=" + std::to_string(k.table) + ",priority=" + std::to_string(k.priority);
  if (!k.match.empty()) s += "," + k.match;
  return s;
}

std::string FlowTable::Dump() const {
  std::string out;
  for (const auto& [key, actions] : flows_)
    out += std::string("cookie=") + kCookie + "," + Spec(key) + " actions=" + actions + "\n";
  return out;
}

std::vector<std::string> FlowTable::DiffFrom(const FlowTable& installed) const {
  std::vector<std::string> lines;
  for (const auto& [key, actions] : installed.flows_) {
    if (!flows_.count(key)) lines.push_back("delete_strict " + Spec(key));
  }
  for (const auto& [key, actions] : flows_) {
    auto it = installed.flows_.find(key);
    if (it == installed.flows_.end() || it->second != actions)
      lines.push_back(std::string("add cookie=") + kCookie + "," + Spec(key) + " actions=" + actions);
  }
  return lines;
}

}  // namespace isthmus::agent
