// A HostState's JSON text written directly, without building a nlohmann::json
// tree: the exact bytes nlohmann::json(state).dump() gives (keys sorted,
// compact), at a fraction of the cost. The cloud serialises each changed
// host's state once with it and serves that text (docs/architecture.md,
// "Incremental recompute").
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "state/host_state.h"
#include "state/json_delta.h"

namespace isthmus::state {

// The JSON text of `s`; with `layout`, where its top level lies in it (for
// JsonDiff, the same as LayoutOf(text) finds by scanning). `size_hint`: the
// size expected (the host's last text), reserved up front.
std::string DumpHostState(const HostState& s, JsonLayout* layout = nullptr, size_t size_hint = 0);

// One element of HostState::security_groups, remote_ports, arp_responder, networks or ports,
// byte for byte as DumpHostState writes it (the cloud patches a host's text
// with them: cloud/host_patch.h).
std::string DumpElement(const SecurityGroupRules& g);
std::string DumpElement(const RemotePort& p);
std::string DumpElement(const ArpEntry& a);
std::string DumpElement(const LocalNetwork& n);
std::string DumpElement(const LocalPort& p);

// A HostState's JSON text (DumpHostState's, or nlohmann's) with `revision` in
// place of its revision, without parsing it: the first `"revision":` of a JSON
// text is its top-level key (no other object of a HostState has that key, and
// no string can hold that sequence unescaped).
std::string WithRevision(const std::string& text, int64_t revision);

// A HostState's JSON text (keys sorted, compact) with `mac` added to its
// trusted_dvr_macs (kept sorted, once each), without parsing the rest: what a
// host registering in the cloud changes in every other host's state. nullopt
// when the text is not in that form or `mac` is not plain printable ASCII
// (the caller then computes the state again).
std::optional<std::string> AddTrustedDvrMac(const std::string& text, const std::string& mac);

}  // namespace isthmus::state
