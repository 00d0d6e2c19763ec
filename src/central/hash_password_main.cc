#include "central/hash_password_main.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "common/config.h"
#include "common/password_hash.h"

namespace isthmus::central {
namespace {

constexpr char kHelp[] = R"(usage: isthmus hash-password < password-file

Reads one password from stdin (the first line, without its line end; typed
without echo when stdin is a terminal) and prints its hash for the identity
file's "password_hash": pbkdf2-sha256$ITERATIONS$SALT$HASH (PBKDF2-HMAC-SHA256,
a fresh 16-byte salt, 600000 iterations; docs/architecture.md, "Identity").

  echo -n 's3cret' | isthmus hash-password
)";

}  // namespace

int RunHashPassword(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kHelp;
    return 0;
  }
  if (!args.empty()) {
    err << "isthmus hash-password: takes no arguments (the password comes on stdin)\n";
    return 2;
  }
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    err << "isthmus hash-password: no password on stdin\n";
    return 2;
  }
  auto hash = isthmus::HashPassword(password);
  if (!hash.ok()) {
    err << "isthmus hash-password: " << hash.status().message() << "\n";
    return 1;
  }
  out << *hash << "\n";
  return 0;
}

int HashPasswordMain(const std::vector<std::string>& args) {
  termios saved{};
  bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty && !WantsHelp(args)) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::cerr << "Password: " << std::flush;
  }
  int rc = RunHashPassword(args, std::cin, std::cout, std::cerr);
  if (tty && !WantsHelp(args)) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  return rc;
}

}  // namespace isthmus::central
