// The lab's internet: namespace isth-internet, upstream of every cloud's
// external network. One Linux bridge per cloud (ext-<cloud>) holds the external
// subnet's gateway address, every host of that cloud has its eth1 on it (and
// in its br-ex), and an HTTP service on kInternetServiceIp answers with the
// caller's address, so a client can see which source address (SNAT or
// floating IP) and so which cloud its traffic left through.
#pragma once

#include <string>
#include <vector>

#include "common/process.h"
#include "lab/topology.h"

namespace isthmus::lab {

std::string ExternalBridge(const std::string& cloud);  // "ext-cloud1"

Status CreateInternet(Runner& runner, const std::vector<LabCloud>& clouds);
// eth1 of the host, its peer on the cloud's bridge; eth1 is plugged into br-ex.
Status AttachHostToExternal(Runner& runner, const std::string& host, const std::string& cloud);
// The HTTP service (a lab daemon) inside `netns`.
Status StartService(const std::string& name, const std::string& netns, const std::string& listen);

// `isthmus lab serve --listen ADDR:PORT --name NAME`: answers every GET with
// "NAME: hello <client address>\n" until killed.
int ServeMain(const std::vector<std::string>& args);

}  // namespace isthmus::lab
