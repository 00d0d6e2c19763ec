// HostPatcher: the new text of a host whose state can change only in parts
// shared with other hosts, spliced into its text instead of computing,
// writing and diffing its whole state (docs/architecture.md, "Incremental
// recompute"). Two parts (AffectedHosts names the hosts and what changed):
//  - its security groups whose rules read a remote group whose members
//    changed (their remote_ips): every host with a member of such a group,
//    the whole cloud for `default`. Each group's new text and its delta are
//    computed once per recompute.
//  - the fdb and ARP entries (remote_ports, arp_responder) of a network on
//    which an instance port came, went or changed, for the hosts that have
//    the network: the network's entries are written once per recompute, and
//    each host's run of them replaced (less its own ports'); with them the
//    network's flood lists and the tunnels to VTEPs that came or went; and
//    on the port's own hosts, its element in `ports`, as long as their
//    networks and groups stay the same.
// Anything else that could change sends the host to the full computation;
// the oracle of random event sequences (live_view_test) checks both ways give
// the same text.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloud/live_view.h"
#include "cloud/state_context.h"
#include "state/json_delta.h"

namespace isthmus::cloud {

class HostPatcher {
 public:
  // `affected`: what changed (it must outlive the patcher); `live`: the networks
  // each host was last computed with.
  HostPatcher(const StateContext& ctx, const AffectedHosts& affected, const LiveView& live)
      : ctx_(ctx), affected_(affected), live_(live) {}

  enum class Outcome {
    kPatched,    // `spliced` holds the new text, its layout and the delta
    kUnchanged,  // nothing of the host's changed
    kCannot,     // the text has no layout or is not as expected: compute the host
  };
  struct Patch {
    Outcome outcome = Outcome::kCannot;
    state::SplicedText spliced;
    std::vector<std::pair<std::string, bool>> wired;  // own ports now wired (true) or no longer
  };
  // Host `name`'s text (DumpHostState's, with its layout) patched.
  Patch Apply(const std::string& name, std::string_view text, const state::JsonLayout& layout);

 private:
  struct Group {
    bool known = false;
    std::string text;  // as DumpHostState writes it in security_groups
    std::vector<std::pair<std::string, std::string>> deltas;  // old text -> delta to `text`
  };
  // A network's entries as every host that has it lists them, with the host
  // each port is bound to (a host leaves its own out).
  struct Entries {
    std::vector<std::pair<std::string, const model::Host*>> remote, arp;
  };
  Group& GroupNow(std::string_view id);
  const std::string* DeltaFrom(Group& g, std::string_view old_text);
  const Entries& NetworkNow(const std::string& network_id);
  // False when the text is not as expected.
  bool PatchGroups(std::string_view text, const state::JsonLayout::Member& member, state::ArrayEdit& edit);
  bool PatchEntries(const std::string& name, std::string_view text, const state::JsonLayout& layout,
                    std::vector<state::ArrayEdit>& edits);
  void ReplaceRun(const std::string& name, std::string_view text, const state::JsonLayout::Member& m,
                  const std::string& net, const std::vector<std::pair<std::string, const model::Host*>>& all,
                  state::ArrayEdit& edit);
  bool EditTunnels(std::string_view text, const state::JsonLayout::Member& m,
                   const std::vector<std::pair<std::string, bool>>& want, state::ArrayEdit& edit);
  std::optional<bool> TunnelElsewhere(const std::string& vtep);
  bool PatchOwnPorts(const std::string& name, std::string_view text, const state::JsonLayout& layout,
                     std::vector<state::ArrayEdit>& edits, std::vector<std::pair<std::string, bool>>& wired);

  const StateContext& ctx_;
  const AffectedHosts& affected_;
  const LiveView& live_;
  std::map<std::string, Group, std::less<>> groups_;
  std::map<std::string, Entries> networks_;
  std::optional<std::map<std::string, std::vector<const model::Host*>>> hosts_by_vtep_;
  std::deque<std::string> scratch_;  // texts the edits of one Apply view
};

}  // namespace isthmus::cloud
