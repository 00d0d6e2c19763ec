// The scale harness's daemons: central and N cloud controllers as real processes
// of the built isthmus binary on loopback ports (not the lab's), with TLS files
// from the in-process CA and an identity file, registered as the lab does; and
// what /proc says of them (CPU seconds, VmRSS).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "bench/scale/pki.h"
#include "common/http.h"
#include "common/keystone_client.h"

namespace isthmus::bench {

struct FederationOptions {
  std::string isthmus;  // the built binary
  std::string dir;      // temp dir: DBs, TLS files, logs
  int clouds = 10;
  int central_port = 19696;  // cloud k (1-based) on cloud_port_base + k
  int cloud_port_base = 19700;
};

struct Daemon {
  std::string name;
  pid_t pid = -1;
  int port = 0;
};

struct ProcFigures {
  double cpu_s = 0;     // utime + stime
  long rss_kib = 0;     // VmRSS
};
Result<ProcFigures> ReadProc(pid_t pid);

// Refuses (naming the port) when one of them is taken on 127.0.0.1.
[[nodiscard]] Status CheckPortsFree(const std::vector<int>& ports);

class Federation {
 public:
  Federation(FederationOptions options, const ScalePki& pki)
      : o_(std::move(options)), pki_(pki) {}
  ~Federation();  // SIGTERM to every daemon, then SIGKILL after 5 s
  // Central, then each cloud registered with central and started.
  [[nodiscard]] Status Start();
  const Daemon& central() const { return central_; }
  const std::vector<Daemon>& clouds() const { return clouds_; }
  Endpoint CentralEndpoint() const { return Endpoint{"127.0.0.1", o_.central_port, true}; }
  TokenSource& tokens() { return *tokens_; }
  std::string token();  // the admin's current token ("" on failure)

 private:
  [[nodiscard]] Status WriteIdentity();
  [[nodiscard]] Status StartCloud(int k);
  FederationOptions o_;
  const ScalePki& pki_;
  std::string cloud_password_;
  Daemon central_;
  std::vector<Daemon> clouds_;
  std::unique_ptr<TokenSource> tokens_;
};

}  // namespace isthmus::bench
