// Logging to stderr with a process tag; daemons run under the lab's supervisor,
// which sends stderr to the process's log file.
#pragma once

#include <iostream>
#include <sstream>
#include <string>

namespace isthmus {

void SetLogTag(std::string tag);
void LogLine(const char* level, const std::string& line);

}  // namespace isthmus

#define ISTHMUS_LOG(level, expr)                         \
  do {                                                   \
    std::ostringstream _os;                              \
    _os << expr;                                         \
    ::isthmus::LogLine(level, _os.str());                \
  } while (0)
#define LOG_INFO(expr) ISTHMUS_LOG("INFO", expr)
#define LOG_WARN(expr) ISTHMUS_LOG("WARN", expr)
#define LOG_ERROR(expr) ISTHMUS_LOG("ERROR", expr)
