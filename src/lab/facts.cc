#include "lab/facts.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "common/secret_file.h"
#include "common/tls.h"

namespace isthmus::lab {

Result<std::string> GetFact(const nlohmann::json& facts, const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  if (parts.empty()) return InvalidArgument("empty fact path");
  static const std::map<std::string, std::string> kAlias = {
      {"instance", "instances"}, {"router", "routers"}, {"host", "hosts"},
      {"network", "networks"},   {"cloud", "clouds"}};
  if (kAlias.count(parts[0])) parts[0] = kAlias.at(parts[0]);
  const nlohmann::json* node = &facts;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!node->is_object()) return NotFound("no fact " + path);
    if (node->contains(parts[i])) {
      node = &(*node)[parts[i]];
    } else if (node->contains("legs") && (*node)["legs"].contains(parts[i])) {
      node = &(*node)["legs"][parts[i]];  // router.R2.net4.mac
    } else {
      return NotFound("no fact " + path);
    }
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_object()) {
    std::string names;
    for (const auto& [k, v] : node->items()) names += (names.empty() ? "" : " ") + k;
    return names;
  }
  return node->dump();
}

Status UseOperatorTls(const nlohmann::json& facts) {
  if (!facts.contains("tls")) return Status::Ok();
  const auto& tls = facts["tls"];
  return SetClientTls({tls.value("ca", ""), tls.value("operator_cert", ""), tls.value("operator_key", "")});
}

Status SaveFacts(const std::string& path, const nlohmann::json& facts) {
  std::string tmp = path + ".tmp";
  // Root only: the facts hold the lab users' passwords (`lab openrc`).
  ISTHMUS_RETURN_IF_ERROR(WriteSecretFile(tmp, facts.dump(2) + "\n"));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Unavailable("cannot write " + path);
  return Status::Ok();
}

Result<nlohmann::json> LoadFacts(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("no lab is up (" + path + " does not exist); run `isthmus lab up s2`");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return Internal(path + " is not valid JSON");
  return j;
}

}  // namespace isthmus::lab
