// Where the lab keeps things and what it names them. Everything the lab makes is
// under LabRoot() or named with the "isth-" prefix, so `lab down` can find it all.
#pragma once

#include <cstdlib>
#include <string>

namespace isthmus::lab {

inline std::string LabRoot() {
  const char* env = std::getenv("ISTHMUS_LAB_DIR");
  return env && *env ? env : "/run/isthmus/lab";
}
inline std::string LabFactsPath() { return LabRoot() + "/lab.json"; }
inline std::string HostDir(const std::string& host) { return LabRoot() + "/hosts/" + host; }

inline constexpr char kNamespacePrefix[] = "isth-";
inline constexpr char kUnderlayNamespace[] = "isth-underlay";
inline constexpr char kUnderlayBridge[] = "ul0";
inline std::string HostNamespace(const std::string& host) { return kNamespacePrefix + host; }
inline std::string InstanceNamespace(const std::string& name) { return kNamespacePrefix + name; }

}  // namespace isthmus::lab
