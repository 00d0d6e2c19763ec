// The desired-state computation before StateContext, kept for the tests as
// the reference the current one must equal (same HostState for every host,
// so agents see no difference). Test-only; desired_state.h is the real one.
#pragma once

#include <map>
#include <set>
#include <string>

#include "cloud/desired_state.h"

namespace isthmus::cloud::reference {

std::set<std::string> ReferenceHostNetworks(const FederationView& view, const std::string& host);
state::HostState ReferenceHostState(const FederationView& view, const std::string& host,
                                    const std::map<std::string, int>& lvids,
                                    const DesiredStateOptions& options);

}  // namespace isthmus::cloud::reference
