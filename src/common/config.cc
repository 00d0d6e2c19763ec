#include "common/config.h"

#include <fstream>

#include "common/secret_file.h"

namespace isthmus {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Keys whose values are credentials (central_password): a file holding one
// must be private. Paths to key files (tls_key) are not credentials themselves.
bool IsSecretKey(const std::string& key) {
  return key.find("password") != std::string::npos || key.find("secret") != std::string::npos;
}

std::string Normalize(std::string key) {
  for (char& c : key)
    if (c == '-') c = '_';
  return key;
}

}  // namespace

bool WantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

Result<bool> ParseBool(const std::string& text) {
  if (text == "true" || text == "yes" || text == "1" || text == "on") return true;
  if (text == "false" || text == "no" || text == "0" || text == "off") return false;
  return InvalidArgument("'" + text + "' is not a boolean (true/false)");
}

Result<Config> Config::Load(const std::map<std::string, std::string>& known,
                            const std::vector<std::string>& args) {
  Config cfg;
  cfg.values_ = known;
  auto set = [&](const std::string& raw_key, const std::string& value,
                 const std::string& where) -> Status {
    std::string key = Normalize(raw_key);
    if (!known.count(key)) return InvalidArgument(where + ": unknown option '" + raw_key + "'");
    cfg.values_[key] = value;
    return Status::Ok();
  };
  // First pass: --config FILE.
  for (size_t i = 0; i < args.size(); ++i) {
    std::string path;
    if (args[i] == "--config" && i + 1 < args.size()) path = args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) path = args[i].substr(9);
    if (path.empty()) continue;
    std::ifstream in(path);
    if (!in) return InvalidArgument("cannot read configuration file " + path);
    std::string line, secret;
    int lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      line = Trim(line);
      if (line.empty() || line[0] == '#' || line[0] == '[') continue;
      auto eq = line.find('=');
      std::string where = path + ":" + std::to_string(lineno);
      if (eq == std::string::npos) return InvalidArgument(where + ": expected 'key = value'");
      std::string key = Trim(line.substr(0, eq));
      ISTHMUS_RETURN_IF_ERROR(set(key, Trim(line.substr(eq + 1)), where));
      if (secret.empty() && IsSecretKey(Normalize(key))) secret = Normalize(key);
    }
    if (!secret.empty()) ISTHMUS_RETURN_IF_ERROR(CheckSecretFile(path, secret));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      cfg.positional_.push_back(a);
      continue;
    }
    std::string key = a.substr(2), value;
    auto eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (known.count(Normalize(key)) == 0 && key.rfind("no-", 0) == 0 &&
               known.count(Normalize(key.substr(3)))) {
      key = key.substr(3);
      value = "false";
    } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
      value = args[++i];
    } else {
      value = "true";
    }
    if (key == "config") continue;
    ISTHMUS_RETURN_IF_ERROR(set(key, value, "command line"));
  }
  return cfg;
}

const std::string& Config::Get(const std::string& key) const {
  static const std::string kEmpty;
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

bool Config::GetBool(const std::string& key) const {
  auto b = ParseBool(Get(key));
  return b.ok() && *b;
}

int Config::GetInt(const std::string& key) const {
  try {
    return std::stoi(Get(key));
  } catch (...) {
    return 0;
  }
}

Status Config::Require(const std::vector<std::string>& keys) const {
  for (const auto& k : keys) {
    if (Get(k).empty()) {
      std::string flag = k;
      for (char& c : flag)
        if (c == '_') c = '-';
      return InvalidArgument("missing required option --" + flag);
    }
  }
  return Status::Ok();
}

}  // namespace isthmus
