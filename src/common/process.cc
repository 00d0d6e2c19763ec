#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/deadline.h"

extern char** environ;

namespace isthmus {
namespace {

using Clock = std::chrono::steady_clock;

std::function<void(const std::string&)>& StartObserver() {
  static std::function<void(const std::string&)> observer;
  return observer;
}

void NoteStart(const std::string& argv0) {
  if (!StartObserver()) return;
  size_t slash = argv0.rfind('/');
  StartObserver()(slash == std::string::npos ? argv0 : argv0.substr(slash + 1));
}

// The namespace a command asks to run in, opened before fork (-1: none).
Result<int> OpenNetns(const Command& cmd) {
  if (cmd.netns.empty()) return -1;
  if (cmd.netns.find('/') != std::string::npos || cmd.netns == "." || cmd.netns == "..")
    return InvalidArgument("bad namespace name '" + cmd.netns + "'");
  int fd = open(("/run/netns/" + cmd.netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open namespace " + cmd.netns + ": " + std::strerror(errno));
  return fd;
}

// The child's environment, built before fork (the child may only call
// async-signal-safe functions: the agent is multi-threaded).
std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos && extra.count(kv.substr(0, eq))) continue;
    env.push_back(std::move(kv));
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// In the child after fork: own process group (so a timeout kills what it
// started too), dies with the thread that spawned it, joins netns_fd's
// namespace (if >= 0), then exec.
[[noreturn]] void ExecChild(pid_t parent, int in_fd, int out_fd, int err_fd, char** argv,
                            char** envp, int netns_fd = -1) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent is already gone
  if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) {
    dprintf(err_fd, "cannot join network namespace: %s\n", std::strerror(errno));
    _exit(127);
  }
  dup2(in_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  signal(SIGPIPE, SIG_DFL);
  execvpe(argv[0], argv, envp);
  dprintf(2, "cannot execute %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

int PidFd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int ExitCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void KillGroup(pid_t pid) {
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
}

int Reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return ExitCode(status);
}

// Feeds stdin and drains stdout/stderr together so neither side blocks, until
// both outputs are closed; closes the three fds. False when the deadline came first.
bool Pump(int in, int out, int err, const std::string& input, Clock::time_point deadline,
          CommandOutput* result) {
  size_t written = 0;
  if (input.empty()) {
    close(in);
    in = -1;
  }
  int fds_left[2] = {out, err};
  int open_fds = 2;
  bool expired = false;
  while (open_fds > 0 || in >= 0) {
    int wait_ms = MillisecondsLeft(deadline);
    if (wait_ms == 0) {
      expired = true;
      break;
    }
    pollfd fds[3] = {{fds_left[0], POLLIN, 0}, {fds_left[1], POLLIN, 0}, {in, POLLOUT, 0}};
    if (poll(fds, 3, wait_ms) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t got = read(fds[i].fd, buf, sizeof buf);
        if (got > 0) {
          (i == 0 ? result->out : result->err).append(buf, got);
        } else {
          close(fds[i].fd);
          fds_left[i] = -1;
          --open_fds;
        }
      }
    }
    if (in >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in, input.data() + written, input.size() - written);
      if (w > 0) written += w;
      if (w <= 0 || written == input.size()) {
        close(in);
        in = -1;
      }
    }
  }
  for (int fd : {in, fds_left[0], fds_left[1]})
    if (fd >= 0) close(fd);
  return !expired;
}

// Waits for the child's exit (without reaping it); false at the deadline.
bool AwaitExit(pid_t pid, Clock::time_point deadline) {
  int pidfd = PidFd(pid);
  if (pidfd < 0) return true;  // no pidfd: Reap() blocks instead
  pollfd p = {pidfd, POLLIN, 0};
  int n;
  while ((n = poll(&p, 1, MillisecondsLeft(deadline))) < 0 && errno == EINTR) {
  }
  close(pidfd);
  return n != 0;
}

}  // namespace

void SetProcessStartObserver(std::function<void(const std::string& program)> observer) {
  StartObserver() = std::move(observer);
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

Result<std::string> Runner::Check(const Command& cmd) {
  auto r = Run(cmd);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    std::string err = r->err.empty() ? r->out : r->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return Unavailable("`" + JoinArgv(cmd.argv) + "` exited " + std::to_string(r->exit_code) +
                       ": " + err);
  }
  return r->out;
}

Result<CommandOutput> SystemRunner::Run(const Command& cmd) {
  if (cmd.argv.empty()) return InvalidArgument("empty command");
  const int timeout_ms = cmd.timeout_ms > 0 ? cmd.timeout_ms : default_timeout_ms_;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<std::string> argv_s = cmd.argv, env_s = ChildEnvironment(cmd.env);
  std::vector<char*> argv = Pointers(argv_s), envp = Pointers(env_s);
  auto netns = OpenNetns(cmd);
  if (!netns.ok()) return netns.status();
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    if (*netns >= 0) close(*netns);
    return Unavailable(std::string("pipe: ") + std::strerror(errno));
  }
  signal(SIGPIPE, SIG_IGN);
  NoteStart(cmd.argv[0]);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    if (*netns >= 0) close(*netns);
    return Unavailable(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) ExecChild(parent, in[0], out[1], err[1], argv.data(), envp.data(), *netns);
  if (*netns >= 0) close(*netns);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  CommandOutput result;
  // Its output closed, it must also exit before the deadline.
  if (!Pump(in[1], out[0], err[0], cmd.stdin_data, deadline, &result) || !AwaitExit(pid, deadline)) {
    KillGroup(pid);
    Reap(pid);
    return Unavailable("`" + JoinArgv(cmd.argv) + "` timed out after " +
                       std::to_string(timeout_ms) + " ms (killed)");
  }
  result.exit_code = Reap(pid);
  return result;
}

Status Child::Spawn(const Command& cmd) {
  if (cmd.argv.empty()) return InvalidArgument("empty command");
  if (!cmd.netns.empty()) return InvalidArgument("a long-lived child cannot join a namespace (netns)");
  Stop();
  std::vector<std::string> argv_s = cmd.argv, env_s = ChildEnvironment(cmd.env);
  std::vector<char*> argv = Pointers(argv_s), envp = Pointers(env_s);
  int out[2];
  if (pipe2(out, O_CLOEXEC)) return Unavailable(std::string("pipe: ") + std::strerror(errno));
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  NoteStart(cmd.argv[0]);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    if (devnull >= 0) close(devnull);
    return Unavailable(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) ExecChild(parent, devnull, out[1], out[1], argv.data(), envp.data());
  close(out[1]);
  if (devnull >= 0) close(devnull);
  pid_ = pid;
  fd_ = out[0];
  return Status::Ok();
}

int Child::Stop() {
  int code = -1;
  if (pid_ > 0) {
    KillGroup(pid_);
    code = Reap(pid_);
    pid_ = -1;
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  return code;
}

}  // namespace isthmus
