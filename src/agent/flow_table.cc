#include "agent/flow_table.h"

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace isthmus::agent {

bool IsFlowText(const std::string& text) {
  return text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                "_:.,=/>()[]-+") == std::string::npos;
}

void FlowTable::Add(int table, int priority, const std::string& match, const std::string& actions) {
  if (!IsFlowText(match) || !IsFlowText(actions) || actions.empty()) {
    std::string flow = Spec(Key{table, priority, match}) + " actions=" + actions;
    std::string shown = nlohmann::json(flow).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    LOG_ERROR("refusing a flow with characters outside the flow syntax: " << shown);
    refused_.push_back(shown);
    return;
  }
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
