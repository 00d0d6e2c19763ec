#include "bench/scale/federation.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <thread>
#include <tuple>

#include "common/crypto.h"
#include "common/identities.h"
#include "common/password_hash.h"
#include "common/secret_file.h"
#include "common/tls.h"

namespace isthmus::bench {
namespace {

std::string Url(int port) { return "https://127.0.0.1:" + std::to_string(port); }

Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid < 0) return Unavailable("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // the daemons never outlive the bench
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

Status WaitAnswering(const std::string& what, int port, pid_t pid) {
  Endpoint ep{"127.0.0.1", port, true};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (HttpCall(ep, "GET", "/", nullptr, 500).ok()) return Status::Ok();
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid) return Unavailable(what + " exited at start (see its log)");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Unavailable(what + " not answering on " + ep.ToString() + " after 20 s");
}

std::string RandomPassword() {
  auto b = crypto::RandomBytes(12);
  return b.ok() ? crypto::Hex(*b) : "scale-bench-password";
}

}  // namespace

Result<ProcFigures> ReadProc(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return NotFound("no process " + std::to_string(pid));
  // Fields after the command (which may hold spaces) start after the last ')'.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  ProcFigures out;
  out.cpu_s = static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) out.rss_kib = std::stol(line.substr(6));
  return out;
}

Status CheckPortsFree(const std::vector<int>& ports) {
  for (int port : ports) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    bool free = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (!free)
      return Unavailable("port 127.0.0.1:" + std::to_string(port) +
                         " is taken: stop what listens there or pick other ports "
                         "(--central-port, --cloud-port-base)");
  }
  return Status::Ok();
}

Federation::~Federation() {
  std::vector<pid_t> pids;
  for (const auto& c : clouds_) pids.push_back(c.pid);
  pids.push_back(central_.pid);
  for (pid_t p : pids)
    if (p > 0) kill(p, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (pid_t p : pids) {
    if (p <= 0) continue;
    int st = 0;
    while (waitpid(p, &st, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (waitpid(p, &st, WNOHANG) == 0) {
      kill(p, SIGKILL);
      waitpid(p, &st, 0);
    }
  }
}

Status Federation::WriteIdentity() {
  std::string admin_password = RandomPassword();
  cloud_password_ = RandomPassword();
  nlohmann::json file = {{"projects", {{{"name", "admin"}}, {{"name", "service"}}}},
                         {"users", nlohmann::json::array()}};
  for (auto [user, pw, project] : {std::tuple{"admin", admin_password, "admin"},
                                   std::tuple{"isthmus-cloud", cloud_password_, "service"}}) {
    auto hash = HashPassword(pw);
    if (!hash.ok()) return hash.status();
    file["users"].push_back(
        {{"name", user}, {"password_hash", *hash}, {"project", project}, {"roles", {"admin"}}});
  }
  ISTHMUS_RETURN_IF_ERROR(WriteSecretFile(o_.dir + "/identity.json", file.dump(2) + "\n"));
  tokens_ = std::make_unique<TokenSource>(CentralEndpoint(), Credentials{"admin", admin_password, "admin"});
  return Status::Ok();
}

std::string Federation::token() {
  auto h = tokens_->Headers();
  if (!h.ok()) return "";
  auto it = h->find("X-Auth-Token");
  return it == h->end() ? "" : it->second;
}

Status Federation::Start() {
  std::vector<int> ports = {o_.central_port};
  for (int k = 1; k <= o_.clouds; ++k) ports.push_back(o_.cloud_port_base + k);
  ISTHMUS_RETURN_IF_ERROR(CheckPortsFree(ports));
  const std::string tls = o_.dir + "/tls";
  mkdir(tls.c_str(), 0700);
  ISTHMUS_RETURN_IF_ERROR(pki_.WriteFiles(tls, "central", identities::kCentral));
  ISTHMUS_RETURN_IF_ERROR(pki_.WriteFiles(tls, "operator", identities::kOperator));
  ISTHMUS_RETURN_IF_ERROR(SetClientTls({tls + "/ca.crt", tls + "/operator.crt", tls + "/operator.key"}));
  ISTHMUS_RETURN_IF_ERROR(WriteIdentity());
  central_.name = "central";
  central_.port = o_.central_port;
  auto pid = Spawn({o_.isthmus, "central", "--listen", "127.0.0.1:" + std::to_string(o_.central_port),
                    "--db", o_.dir + "/central.db", "--identity", o_.dir + "/identity.json",
                    "--tls-ca", tls + "/ca.crt", "--tls-cert", tls + "/central.crt", "--tls-key",
                    tls + "/central.key"},
                   o_.dir + "/central.log");
  if (!pid.ok()) return pid.status();
  central_.pid = *pid;
  ISTHMUS_RETURN_IF_ERROR(WaitAnswering("central", o_.central_port, central_.pid));
  for (int k = 1; k <= o_.clouds; ++k) ISTHMUS_RETURN_IF_ERROR(StartCloud(k));
  return Status::Ok();
}

Status Federation::StartCloud(int k) {
  Daemon d{"cloud" + std::to_string(k), -1, o_.cloud_port_base + k};
  nlohmann::json reg = {{"cloud", {{"name", d.name}, {"endpoint", Url(d.port)}}}};
  auto r = AuthedCall(*tokens_, CentralEndpoint(), "POST", "/v2.0/clouds", &reg);
  if (!r.ok()) return r.status();
  if (r->status != 201 && r->status != 200)
    return Unavailable("central refused cloud " + d.name + ": " + r->raw);
  const std::string tls = o_.dir + "/tls", conf = o_.dir + "/" + d.name + ".conf";
  ISTHMUS_RETURN_IF_ERROR(pki_.WriteFiles(tls, d.name, identities::Cloud(d.name)));
  ISTHMUS_RETURN_IF_ERROR(WriteSecretFile(
      conf, "central_user = isthmus-cloud\ncentral_password = " + cloud_password_ + "\n"));
  auto pid = Spawn({o_.isthmus, "cloud", "--name", d.name, "--listen",
                    "127.0.0.1:" + std::to_string(d.port), "--central", Url(o_.central_port),
                    "--db", o_.dir + "/" + d.name + ".db", "--config", conf, "--tls-ca",
                    tls + "/ca.crt", "--tls-cert", tls + "/" + d.name + ".crt", "--tls-key",
                    tls + "/" + d.name + ".key"},
                   o_.dir + "/" + d.name + ".log");
  if (!pid.ok()) return pid.status();
  d.pid = *pid;
  clouds_.push_back(d);
  return WaitAnswering(d.name, d.port, d.pid);
}

}  // namespace isthmus::bench
