// Complete top-level JSON texts out of a byte stream: OVSDB and the daemons'
// control sockets (JSON-RPC) send them back to back without delimiters.
#pragma once

#include <string>

namespace isthmus::agent {

class JsonStreamSplitter {
 public:
  void Feed(const std::string& bytes);
  // The next complete text (an object or array, strings and escapes skipped), if one is in.
  bool Next(std::string* text);

 private:
  std::string buf_;
  size_t scanned_ = 0;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  size_t start_ = std::string::npos;
};

}  // namespace isthmus::agent
