// Daemon configuration: a file of `key = value` lines (# comments), overridden by
// command-line flags `--key value` / `--key=value` / `--no-key`. Unknown keys are
// refused by name, so a typo never silently changes nothing.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace isthmus {

class Config {
 public:
  // known: every accepted key with its default ("" for none). Flags are parsed
  // from args (argv without the program and subcommand); `--config FILE` loads a
  // file first, then the other flags override it.
  static Result<Config> Load(const std::map<std::string, std::string>& known,
                             const std::vector<std::string>& args);

  const std::string& Get(const std::string& key) const;
  bool GetBool(const std::string& key) const;  // true/false/yes/no/1/0/on/off
  int GetInt(const std::string& key) const;
  // Keys that must be non-empty; error names the missing flag.
  Status Require(const std::vector<std::string>& keys) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

Result<bool> ParseBool(const std::string& text);
// True when args ask for --help (or -h).
bool WantsHelp(const std::vector<std::string>& args);

}  // namespace isthmus
