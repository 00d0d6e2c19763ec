#include "agent/vswitchd_watch.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "agent/ovs_paths.h"
#include "common/log.h"
#include "common/process.h"

namespace isthmus::agent {

VswitchdWatch::VswitchdWatch(std::string rundir, std::string bridge,
                             std::function<void()> on_lost, std::function<void()> on_back)
    : rundir_(OvsRundir(rundir)),
      bridge_(std::move(bridge)),
      on_lost_(std::move(on_lost)),
      on_back_(std::move(on_back)) {}

VswitchdWatch::~VswitchdWatch() { Stop(); }

void VswitchdWatch::Start() { thread_ = std::thread([this] { Loop(); }); }

void VswitchdWatch::Stop() {
  stop_ = true;
  stop_signal_.Raise();
  if (thread_.joinable()) thread_.join();
}

// Same shape as the OVSDB monitor's loop: reconnect at once after a loss, then
// wait for <bridge>.mgmt to be created again; a few quick retries right after
// it appears cover the gap until vswitchd listens; 5 s is a safety net only.
void VswitchdWatch::Loop() {
  SocketWatch watch(rundir_ + "/" + bridge_ + ".mgmt");
  int quick = 0;
  while (!stop_) {
    watch.Drain();
    bool answered = RunMonitor();
    if (stop_) break;
    if (answered) {
      quick = 0;
      LOG_WARN("ovs-vswitchd closed its OpenFlow connection (" << bridge_
               << "): restarted or gone; reinstalling when it answers again");
      on_lost_();
      continue;
    }
    if (!watch.WaitToRetry(stop_signal_, quick)) break;
  }
}

bool VswitchdWatch::RunMonitor() {
  Child child;
  // Only deletions are reported (our own replace-flows makes some); the reply
  // to the monitor request is the sign that vswitchd answers.
  Status st = child.Spawn({{"ovs-ofctl", "monitor", bridge_, "watch:!initial,!add,!modify"},
                           "",
                           {{"OVS_RUNDIR", rundir_}}});
  if (!st.ok()) {
    LOG_WARN("vswitchd watch: " << st.message());
    return false;
  }
  bool answered = false;
  std::string first;
  pollfd fds[2] = {{stop_signal_.fd(), POLLIN, 0}, {child.fd(), POLLIN, 0}};
  char buf[4096];
  while (true) {
    int n = poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || fds[0].revents) break;
    ssize_t got = read(child.fd(), buf, sizeof buf);
    if (got <= 0) break;  // the child exited: vswitchd closed or never answered
    if (answered) continue;
    first.append(buf, got);
    if (first.find("FLOW_MONITOR reply") != std::string::npos) {
      answered = true;
      if (answered_once_) {
        LOG_INFO("ovs-vswitchd answers again");
        on_back_();
      }
      answered_once_ = true;
    }
  }
  child.Stop();
  return answered;
}

}  // namespace isthmus::agent
