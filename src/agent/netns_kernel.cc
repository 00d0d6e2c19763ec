#include "agent/netns_kernel.h"

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace isthmus::agent {

namespace {

constexpr char kNetnsRunDir[] = "/run/netns";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Runs fn on a thread of its own (which may change its namespace) and joins it.
Status OnOwnThread(const std::function<Status()>& fn) {
  Status st = Status::Ok();
  std::thread t([&] { st = fn(); });
  t.join();
  return st;
}

// /run/netns as a shared mount point, so namespaces mounted there are seen in
// every mount namespace (iproute2 does the same before `ip netns add`).
Status EnsureRunDir() {
  if (mkdir(kNetnsRunDir, 0755) != 0 && errno != EEXIST) return Unavailable(Errno("cannot create /run/netns"));
  bool bound = false;
  while (mount("", kNetnsRunDir, "none", MS_SHARED | MS_REC, nullptr) != 0) {
    if (errno != EINVAL || bound) return Unavailable(Errno("cannot make /run/netns a shared mount"));
    if (mount(kNetnsRunDir, kNetnsRunDir, "none", MS_BIND | MS_REC, nullptr) != 0)
      return Unavailable(Errno("cannot bind-mount /run/netns"));
    bound = true;
  }
  return Status::Ok();
}

bool ValidNetnsName(const std::string& ns) {
  return !ns.empty() && ns != "." && ns != ".." && ns.find('/') == std::string::npos &&
         ns.find('\0') == std::string::npos && ns.size() < 256;
}

}  // namespace

std::string NetnsPath(const std::string& ns) { return std::string(kNetnsRunDir) + "/" + ns; }

Status RunInNetns(const std::string& ns, const std::function<Status()>& fn) {
  if (ns.empty()) return fn();
  if (!ValidNetnsName(ns)) return InvalidArgument("bad namespace name '" + ns + "'");
  int fd = open(NetnsPath(ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable(Errno("cannot open namespace " + ns));
  Status st = OnOwnThread([&]() -> Status {
    if (setns(fd, CLONE_NEWNET) != 0) return Unavailable(Errno("cannot join namespace " + ns));
    return fn();
  });
  close(fd);
  return st;
}

Status CreateNetns(const std::string& ns) {
  if (!ValidNetnsName(ns)) return InvalidArgument("bad namespace name '" + ns + "'");
  std::string path = NetnsPath(ns);
  struct stat st;
  if (stat(path.c_str(), &st) == 0) return Status::Ok();
  ISTHMUS_RETURN_IF_ERROR(EnsureRunDir());
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Ok();
    return Unavailable(Errno("cannot create " + path));
  }
  close(fd);
  // A new namespace on a thread of its own, bound on the file: it lives on
  // after the thread ends.
  Status made = OnOwnThread([&]() -> Status {
    if (unshare(CLONE_NEWNET) != 0) return Unavailable(Errno("cannot create namespace " + ns));
    if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0)
      return Unavailable(Errno("cannot bind namespace " + ns + " on " + path));
    return Status::Ok();
  });
  if (!made.ok()) unlink(path.c_str());
  return made;
}

Status DeleteNetns(const std::string& ns) {
  if (!ValidNetnsName(ns)) return InvalidArgument("bad namespace name '" + ns + "'");
  std::string path = NetnsPath(ns);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::Ok();
  umount2(path.c_str(), MNT_DETACH);  // fails only if it was not mounted
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Unavailable(Errno("cannot remove " + path));
  return Status::Ok();
}

Result<std::string> SysctlPath(const std::string& name) {
  std::string path = "/proc/sys/";
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty() || part.find('/') != std::string::npos || part.find('\0') != std::string::npos)
      return InvalidArgument("bad sysctl name '" + name + "'");
    path += part;
    if (dot == std::string::npos) break;
    path += '/';
    start = dot + 1;
  }
  return path;
}

Status WriteSysctls(const std::string& ns, const std::vector<std::pair<std::string, std::string>>& values) {
  std::vector<std::string> paths;
  for (const auto& [name, value] : values) {
    auto p = SysctlPath(name);
    if (!p.ok()) return p.status();
    paths.push_back(*p);
  }
  // Opened inside the namespace: /proc/sys/net is the namespace of the opener.
  return RunInNetns(ns, [&]() -> Status {
    for (size_t i = 0; i < paths.size(); ++i) {
      int fd = open(paths[i].c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return Unavailable(Errno("sysctl " + values[i].first + " in " + (ns.empty() ? "host" : ns)));
      const std::string& v = values[i].second;
      ssize_t n = write(fd, v.data(), v.size());
      int err = errno;
      close(fd);
      if (n != static_cast<ssize_t>(v.size())) {
        errno = err;
        return Unavailable(Errno("sysctl " + values[i].first + "=" + v + " in " + (ns.empty() ? "host" : ns)));
      }
    }
    return Status::Ok();
  });
}

Status DisableTxChecksum(const std::string& ns, const std::string& dev) {
  if (dev.empty() || dev.size() >= IFNAMSIZ) return InvalidArgument("bad device name '" + dev + "'");
  return RunInNetns(ns, [&]() -> Status {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return Unavailable(Errno("socket"));
    ethtool_value value{};
    value.cmd = ETHTOOL_STXCSUM;
    value.data = 0;
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, dev.c_str(), dev.size());
    ifr.ifr_data = reinterpret_cast<char*>(&value);
    int rc = ioctl(s, SIOCETHTOOL, &ifr);
    int err = errno;
    close(s);
    if (rc != 0) {
      errno = err;
      return Unavailable(Errno("checksum offload off on " + dev + " in " + (ns.empty() ? "host" : ns)));
    }
    return Status::Ok();
  });
}

}  // namespace isthmus::agent
