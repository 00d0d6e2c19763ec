#include "cloud/group_patch.h"

#include "state/host_state_json.h"

namespace isthmus::cloud {
namespace {

constexpr std::string_view kGroupsKey = "\"security_groups\"";
constexpr std::string_view kIdPrefix = "{\"id\":\"";  // a group's text begins with its id (keys in byte order)

// The id of a group from its text; "" when the text does not begin as DumpSecurityGroup writes it.
std::string_view GroupId(std::string_view element) {
  if (element.substr(0, kIdPrefix.size()) != kIdPrefix) return {};
  size_t end = element.find('"', kIdPrefix.size());
  if (end == std::string_view::npos) return {};
  std::string_view id = element.substr(kIdPrefix.size(), end - kIdPrefix.size());
  return id.find('\\') == std::string_view::npos ? id : std::string_view{};
}

}  // namespace

GroupPatcher::Group& GroupPatcher::Now(std::string_view id) {
  auto it = cache_.find(id);
  if (it != cache_.end()) return it->second;
  Group g;
  if (const state::SecurityGroupRules* rules = ctx_.Group(std::string(id))) {
    g.known = true;
    g.text = state::DumpSecurityGroup(*rules);
  }
  return cache_.emplace(std::string(id), std::move(g)).first->second;
}

// Every host held the same text of a group before the change, so the delta is
// computed once; a host holding another text gets its own (and it is kept).
const std::string* GroupPatcher::DeltaFrom(Group& g, std::string_view old_text) {
  for (const auto& [from, delta] : g.deltas)
    if (from == old_text) return &delta;
  auto delta = state::JsonDiff(old_text, g.text);
  if (!delta.ok()) return nullptr;
  g.deltas.emplace_back(std::string(old_text), std::move(*delta));
  return &g.deltas.back().second;
}

GroupPatcher::Patch GroupPatcher::Apply(std::string_view text, const state::JsonLayout& layout) {
  Patch out;
  if (!layout.valid) return out;
  const state::JsonLayout::Member* member = nullptr;
  for (const auto& m : layout.members)
    if (m.key_end <= text.size() && text.substr(m.key_begin, m.key_end - m.key_begin) == kGroupsKey) member = &m;
  if (!member) return out;
  std::vector<state::ElementSplice> splices;
  for (size_t i = 0; i < member->elements.size(); ++i) {
    auto [begin, end] = member->elements[i];
    if (end > text.size() || begin > end) return out;
    std::string_view old_text = text.substr(begin, end - begin);
    std::string_view id = GroupId(old_text);
    if (id.empty()) return out;
    if (!groups_.count(std::string(id))) continue;
    Group& g = Now(id);
    if (!g.known) return out;  // its members' ports leave it out now: the whole state changes
    if (g.text == old_text) continue;
    const std::string* delta = DeltaFrom(g, old_text);
    if (!delta) return out;
    splices.push_back({i, g.text, *delta});
  }
  if (splices.empty()) {
    out.outcome = Outcome::kUnchanged;
    return out;
  }
  auto spliced = state::ReplaceElements(text, layout, kGroupsKey, splices);
  if (!spliced.ok()) return out;
  out.outcome = Outcome::kPatched;
  out.spliced = std::move(*spliced);
  return out;
}

}  // namespace isthmus::cloud
