// The lab's federation CA (docs/trust.md): a CA and, for every process of the
// lab, a key and a certificate whose common name is its identity
// (common/identities.h), made with the `openssl` command line as an operator
// would. Keys are 0600; certificates name 127.0.0.1 and localhost, where the lab
// serves.
#pragma once

#include <string>
#include <vector>

#include "common/process.h"
#include "common/tls.h"

namespace isthmus::lab {

class LabPki {
 public:
  explicit LabPki(std::string dir) : dir_(std::move(dir)) {}
  // Makes the CA (once) and a key and certificate per identity.
  [[nodiscard]] Status Make(Runner& runner, const std::vector<std::string>& identities);
  // The files a process with this identity uses.
  TlsFiles FilesOf(const std::string& identity) const;
  std::string ca() const { return dir_ + "/ca.crt"; }

 private:
  std::string Base(const std::string& identity) const;
  std::string dir_;
};

}  // namespace isthmus::lab
