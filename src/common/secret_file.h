// Files that hold secrets (the identity file, a config file with a password,
// lab credentials): refused when group or others may read them, and written
// with mode 0600 from the first byte (docs/architecture.md, "Identity").
#pragma once

#include <string>

#include "common/status.h"

namespace isthmus {

// Ok when path is a file only its owner may access (no group/other bits);
// otherwise an error naming the file, what it holds and `chmod 600`.
Status CheckSecretFile(const std::string& path, const std::string& holds);
// Writes content to path (replacing it), created with mode 0600; an existing
// file is set to 0600 before the content is written.
Status WriteSecretFile(const std::string& path, const std::string& content);

}  // namespace isthmus
