#include "agent/json_stream.h"

namespace isthmus::agent {

void JsonStreamSplitter::Feed(const std::string& bytes) { buf_ += bytes; }

bool JsonStreamSplitter::Next(std::string* text) {
  for (; scanned_ < buf_.size(); ++scanned_) {
    char c = buf_[scanned_];
    if (in_string_) {
      if (escape_) escape_ = false;
      else if (c == '\\') escape_ = true;
      else if (c == '"') in_string_ = false;
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      if (depth_++ == 0) start_ = scanned_;
    } else if ((c == '}' || c == ']') && depth_ > 0) {
      if (--depth_ == 0) {
        *text = buf_.substr(start_, scanned_ + 1 - start_);
        buf_.erase(0, scanned_ + 1);
        scanned_ = 0;
        start_ = std::string::npos;
        return true;
      }
    }
  }
  return false;
}

}  // namespace isthmus::agent
