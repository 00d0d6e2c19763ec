#include "common/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace isthmus {
namespace {
std::string g_tag = "isthmus";
std::mutex g_mu;
}  // namespace

void SetLogTag(std::string tag) { g_tag = std::move(tag); }

void LogLine(const char* level, const std::string& line) {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(g_mu);
  std::fprintf(stderr, "%s.%03lld %s %s: %s\n", ts, static_cast<long long>(ms), level,
               g_tag.c_str(), line.c_str());
  std::fflush(stderr);
}

}  // namespace isthmus
