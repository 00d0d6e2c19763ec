#include "agent/vswitchd_watch.h"

#include "agent/openflow/connection.h"
#include "agent/ovs_paths.h"
#include "common/log.h"

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
  // Stop() ends the HELLO wait too, so a wedged vswitchd never holds the agent's exit.
  auto connection =
      openflow::Connection::Open(rundir_ + "/" + bridge_ + ".mgmt", std::chrono::milliseconds(5000), stop_signal_.fd());
  if (!connection.ok()) return false;
  if (answered_once_) {
    LOG_INFO("ovs-vswitchd answers again");
    on_back_();
  }
  answered_once_ = true;
  (void)(*connection)->WaitUntilClosed(stop_signal_.fd());  // closed: vswitchd went away (or we stop)
  return true;
}

}  // namespace isthmus::agent
