// `isthmus hash-password`: reads a password on stdin and prints the hash an
// identity file's "password_hash" holds (docs/architecture.md, "Identity").
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace isthmus::central {

int HashPasswordMain(const std::vector<std::string>& args);
// The command on given streams: the password is the first line of in (without
// its line end); the hash goes to out, errors to err. Returns the exit code.
int RunHashPassword(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace isthmus::central
