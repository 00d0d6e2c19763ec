// GroupPatcher: the new text of a host whose state can change only in its
// security groups' rules that read a remote group (a member of that group
// came, went or changed addresses: every host with a member of a group whose
// rules name it, the whole cloud for `default`). Each such group's new text
// and its delta are computed once per recompute and spliced into each host's
// text where the group lies, instead of computing, writing and diffing the
// host's whole state (docs/architecture.md, "Incremental recompute").
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloud/state_context.h"
#include "state/json_delta.h"

namespace isthmus::cloud {

class GroupPatcher {
 public:
  // `groups`: the groups whose rules may read changed members (AffectedHosts::reading_groups).
  GroupPatcher(const StateContext& ctx, const std::set<std::string>& groups) : ctx_(ctx), groups_(groups) {}

  enum class Outcome {
    kPatched,    // `spliced` holds the new text, its layout and the delta
    kUnchanged,  // none of the host's groups changed
    kCannot,     // the text has no layout or a group is no longer known: compute the host
  };
  struct Patch {
    Outcome outcome = Outcome::kCannot;
    state::SplicedText spliced;
  };
  // The host's text (DumpHostState's, with its layout) patched.
  Patch Apply(std::string_view text, const state::JsonLayout& layout);

 private:
  struct Group {
    bool known = false;
    std::string text;  // as DumpHostState writes it in security_groups
    std::vector<std::pair<std::string, std::string>> deltas;  // old text -> delta to `text`
  };
  Group& Now(std::string_view id);
  const std::string* DeltaFrom(Group& g, std::string_view old_text);

  const StateContext& ctx_;
  const std::set<std::string>& groups_;
  std::map<std::string, Group, std::less<>> cache_;
};

}  // namespace isthmus::cloud
