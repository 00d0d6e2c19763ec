#include "lab/daemons.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "lab/paths.h"

namespace isthmus::lab {
namespace {

std::string PidFile(const std::string& name) { return LabRoot() + "/pids/" + name + ".pid"; }
std::string ArgvFile(const std::string& name) { return LabRoot() + "/pids/" + name + ".argv"; }

pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

bool Alive(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(stat, s);
  auto close = s.rfind(')');
  return close == std::string::npos || s.size() < close + 3 || s[close + 2] != 'Z';
}

}  // namespace

Result<pid_t> StartDaemon(const std::string& name, const std::vector<std::string>& argv,
                          const std::string& log_path) {
  mkdir(LabRoot().c_str(), 0755);
  mkdir((LabRoot() + "/pids").c_str(), 0755);
  mkdir((LabRoot() + "/logs").c_str(), 0755);
  {
    std::ofstream argv_out(ArgvFile(name));
    argv_out << log_path << '\n';
    for (const auto& a : argv) argv_out << a << '\n';
  }
  unlink(PidFile(name).c_str());
  pid_t pid = fork();
  if (pid < 0) return Unavailable("fork failed starting " + name);
  if (pid == 0) {
    setsid();
    // Every daemon starts with the default signal actions, whichever process
    // started it (isthmus ignores SIGPIPE; Open vSwitch and dnsmasq set their own).
    signal(SIGPIPE, SIG_DFL);
    int devnull = open("/dev/null", O_RDONLY);
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(devnull, 0);
    dup2(log, 1);
    dup2(log, 2);
    // A daemon inherits nothing else of the lab's caller (e.g. a test's lock file).
    close_range(3, ~0U, 0);
    // Detach fully: the grandchild is the daemon, reparented to init.
    if (fork() != 0) _exit(0);
    std::ofstream(PidFile(name)) << getpid() << "\n";
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  for (int i = 0; i < 200; ++i) {
    pid_t daemon = ReadPid(PidFile(name));
    if (daemon > 0) return daemon;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Unavailable("daemon " + name + " did not start (see " + log_path + ")");
}

Status StopDaemon(const std::string& name) {
  pid_t pid = ReadPid(PidFile(name));
  if (Alive(pid)) {
    kill(pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (Alive(pid) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Alive(pid)) kill(pid, SIGKILL);
    for (int i = 0; i < 100 && Alive(pid); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  unlink(PidFile(name).c_str());
  unlink(ArgvFile(name).c_str());
  return Status::Ok();
}

Status SignalDaemon(const std::string& name, int signal) {
  pid_t pid = ReadPid(PidFile(name));
  if (!Alive(pid)) return NotFound("daemon " + name + " is not running");
  kill(pid, signal);
  for (int i = 0; i < 200 && signal == SIGKILL && Alive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return Status::Ok();
}

Result<pid_t> RestartDaemon(const std::string& name) {
  if (DaemonRunning(name)) return Conflict("daemon " + name + " is running");
  std::ifstream in(ArgvFile(name));
  std::string log_path, arg;
  std::vector<std::string> argv;
  if (!std::getline(in, log_path)) return NotFound("no daemon " + name + " in this lab");
  while (std::getline(in, arg)) argv.push_back(arg);
  return StartDaemon(name, argv, log_path);
}

std::vector<std::string> DaemonNames() {
  std::vector<std::string> names;
  if (DIR* d = opendir((LabRoot() + "/pids").c_str())) {
    while (dirent* e = readdir(d)) {
      std::string f = e->d_name;
      if (f.size() > 5 && f.substr(f.size() - 5) == ".argv") names.push_back(f.substr(0, f.size() - 5));
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status StopAllDaemons() {
  std::vector<std::string> names = DaemonNames();
  // Agents first, then clouds, then central, then each host's Open vSwitch:
  // the reverse of start-up.
  std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    auto rank = [](const std::string& n) {
      if (n.rfind("agent", 0) == 0) return 0;
      if (n.rfind("cloud", 0) == 0) return 1;
      if (n.rfind("ovs-vswitchd-", 0) == 0) return 3;
      if (n.rfind("ovsdb-server-", 0) == 0) return 4;
      return 2;
    };
    return rank(a) < rank(b);
  });
  for (const auto& n : names) ISTHMUS_RETURN_IF_ERROR(StopDaemon(n));
  return Status::Ok();
}

bool DaemonRunning(const std::string& name) { return Alive(ReadPid(PidFile(name))); }

pid_t DaemonPid(const std::string& name) {
  pid_t pid = ReadPid(PidFile(name));
  return Alive(pid) ? pid : 0;
}

}  // namespace isthmus::lab
