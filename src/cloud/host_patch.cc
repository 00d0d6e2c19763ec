#include "cloud/host_patch.h"

#include <algorithm>
#include <iterator>
#include <tuple>


#include "cloud/desired_state.h"
#include "state/host_state_json.h"

namespace isthmus::cloud {
namespace {

constexpr std::string_view kGroupsKey = "\"security_groups\"";
constexpr std::string_view kNetworksKey = "\"networks\"";
constexpr std::string_view kRemoteKey = "\"remote_ports\"";
constexpr std::string_view kArpKey = "\"arp_responder\"";
constexpr std::string_view kTunnelsKey = "\"tunnels\"";
constexpr std::string_view kPortsKey = "\"ports\"";

// The string value of `"key":"..."` in an element's text ("" when absent or escaped).
std::string_view StringMember(std::string_view element, std::string_view quoted_key_colon_quote) {
  size_t at = element.find(quoted_key_colon_quote);
  if (at == std::string_view::npos) return {};
  size_t begin = at + quoted_key_colon_quote.size(), end = element.find('"', begin);
  if (end == std::string_view::npos) return {};
  std::string_view v = element.substr(begin, end - begin);
  return v.find('\\') == std::string_view::npos ? v : std::string_view{};
}

// A group's text begins with its id (keys in byte order).
std::string_view GroupId(std::string_view element) {
  constexpr std::string_view kPrefix = "{\"id\":\"";
  if (element.substr(0, kPrefix.size()) != kPrefix) return {};
  return StringMember(element, kPrefix);
}

// The strings of a JSON array of plain strings (nullopt for anything else).
std::optional<std::vector<std::string>> Strings(std::string_view array) {
  auto elements = state::JsonElements(array);
  if (!elements.ok()) return std::nullopt;
  std::vector<std::string> out;
  for (std::string_view e : *elements) {
    if (e.size() < 2 || e.front() != '"' || e.substr(1, e.size() - 2).find_first_of("\"\\") != std::string_view::npos)
      return std::nullopt;
    out.emplace_back(e.substr(1, e.size() - 2));
  }
  return out;
}

// Strings as a compact JSON array (VTEPs: addresses, nothing to escape).
std::string StringsText(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const auto& s : v) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += s;
    out += '"';
  }
  return out + "]";
}

const state::JsonLayout::Member* MemberOf(std::string_view text, const state::JsonLayout& layout,
                                          std::string_view key) {
  for (const auto& m : layout.members)
    if (m.key_end <= text.size() && text.substr(m.key_begin, m.key_end - m.key_begin) == key) return &m;
  return nullptr;
}

std::string_view ElementAt(std::string_view text, const state::JsonLayout::Member& m, size_t i) {
  auto [begin, end] = m.elements[i];
  return text.substr(begin, end - begin);
}

}  // namespace

HostPatcher::Group& HostPatcher::GroupNow(std::string_view id) {
  auto it = groups_.find(id);
  if (it != groups_.end()) return it->second;
  Group g;
  if (const state::SecurityGroupRules* rules = ctx_.Group(std::string(id))) {
    g.known = true;
    g.text = state::DumpElement(*rules);
  }
  return groups_.emplace(std::string(id), std::move(g)).first->second;
}

// Every host held the same text of a group before the change, so the delta is
// computed once; a host holding another text gets its own (and it is kept).
const std::string* HostPatcher::DeltaFrom(Group& g, std::string_view old_text) {
  for (const auto& [from, delta] : g.deltas)
    if (from == old_text) return &delta;
  auto delta = state::JsonDiff(old_text, g.text);
  if (!delta.ok()) return nullptr;
  g.deltas.emplace_back(std::string(old_text), std::move(*delta));
  return &g.deltas.back().second;
}

const HostPatcher::Entries& HostPatcher::NetworkNow(const std::string& network_id) {
  auto [it, fresh] = networks_.try_emplace(network_id);
  if (!fresh) return it->second;
  const StateContext::NetworkPorts& n = ctx_.Network(network_id);
  for (const auto& [x, h] : n.remote) it->second.remote.emplace_back(state::DumpElement(x), h);
  for (const auto& [x, h] : n.arp) it->second.arp.emplace_back(state::DumpElement(x), h);
  return it->second;
}

bool HostPatcher::PatchGroups(std::string_view text, const state::JsonLayout::Member& member, state::ArrayEdit& edit) {
  for (size_t i = 0; i < member.elements.size(); ++i) {
    std::string_view old_text = ElementAt(text, member, i);
    std::string_view id = GroupId(old_text);
    if (id.empty()) return false;
    if (!affected_.reading_groups.count(std::string(id))) continue;
    Group& g = GroupNow(id);
    if (!g.known) return false;  // its members' ports leave it out now: more than the group changes
    if (g.text == old_text) continue;
    const std::string* delta = DeltaFrom(g, old_text);
    if (!delta) return false;
    edit.edits.push_back({i, i + 1, {g.text}, *delta});
  }
  return true;
}

// For each changed network the host has (an element of its `networks`): its
// flood lists from the network's hosts now, its run of fdb and ARP entries
// (sorted by network first) replaced by the network's entries now less the
// host's own ports', and the VTEPs that came or went in its tunnels.
bool HostPatcher::PatchEntries(const std::string& name, std::string_view text, const state::JsonLayout& layout,
                               std::vector<state::ArrayEdit>& edits) {
  const state::JsonLayout::Member* networks = MemberOf(text, layout, kNetworksKey);
  const state::JsonLayout::Member* remote = MemberOf(text, layout, kRemoteKey);
  const state::JsonLayout::Member* arp = MemberOf(text, layout, kArpKey);
  const state::JsonLayout::Member* tunnels = MemberOf(text, layout, kTunnelsKey);
  const model::Host* self = ctx_.view().FindHost(name);
  if (!networks || !remote || !arp || !tunnels || !self) return false;
  state::ArrayEdit network_edit{kNetworksKey, {}}, remote_edit{kRemoteKey, {}}, arp_edit{kArpKey, {}};
  std::set<std::string> came, went;  // VTEPs in or out of a flood list
  std::map<size_t, std::string_view> flood_texts;  // network element -> its text now (changed ones)
  size_t next_network = 0;
  for (const std::string& net : affected_.sliced_networks) {
    size_t i = next_network;
    while (i < networks->elements.size() && StringMember(ElementAt(text, *networks, i), "\"id\":\"") < net) ++i;
    next_network = i;
    if (i == networks->elements.size() || StringMember(ElementAt(text, *networks, i), "\"id\":\"") != net) continue;
    // The element: {"cloud_flood_vteps":[...],"flood_vteps":[...],"id":...}; only the lists change.
    std::string_view element = ElementAt(text, *networks, i);
    auto members = state::JsonMembers(element);
    if (!members.ok() || members->size() < 3 || (*members)[0].first != "\"cloud_flood_vteps\"" ||
        (*members)[1].first != "\"flood_vteps\"")
      return false;
    auto was_cloud = Strings((*members)[0].second), was = Strings((*members)[1].second);
    if (!was || !was_cloud) return false;
    const StateContext::NetworkPorts& n = ctx_.Network(net);
    std::vector<std::string> now = FloodVteps(n.hosts, self, nullptr);
    std::vector<std::string> now_cloud = FloodVteps(n.hosts, self, &ctx_.view().cloud);
    if (now != *was || now_cloud != *was_cloud) {
      std::string t = "{\"cloud_flood_vteps\":" + StringsText(now_cloud) + ",\"flood_vteps\":" + StringsText(now);
      t.append(element.substr((*members)[2].first.data() - 1 - element.data()));  // ,"id":... unchanged
      std::string_view kept = scratch_.emplace_back(std::move(t));
      auto delta = state::JsonDiff(element, kept);
      if (!delta.ok()) return false;
      network_edit.edits.push_back({i, i + 1, {kept}, scratch_.emplace_back(std::move(*delta))});
      flood_texts[i] = kept;
      std::set<std::string> a(was->begin(), was->end()), b(now.begin(), now.end());
      std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::inserter(came, came.end()));
      std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(went, went.end()));
    }
    const Entries& entries = NetworkNow(net);
    ReplaceRun(name, text, *remote, net, entries.remote, remote_edit);
    ReplaceRun(name, text, *arp, net, entries.arp, arp_edit);
  }
  state::ArrayEdit tunnel_edit{kTunnelsKey, {}};
  if (!came.empty() || !went.empty()) {
    // A VTEP in any flood list of the host is a tunnel of it; one in none
    // goes, unless it may be one for another reason (a network node's, or
    // another cloud's host trusted here): that the full computation decides.
    auto flooded = [&](const std::string& vtep) {
      std::string quoted = "\"" + vtep + "\"";
      for (size_t i = 0; i < networks->elements.size(); ++i) {
        auto changed = flood_texts.find(i);
        std::string_view t = changed != flood_texts.end() ? changed->second : ElementAt(text, *networks, i);
        if (t.find(quoted) != std::string_view::npos) return true;
      }
      return false;
    };
    std::vector<std::pair<std::string, bool>> want;  // VTEP, a tunnel now
    for (const std::string& v : came) want.emplace_back(v, true);
    for (const std::string& v : went) {
      if (came.count(v)) continue;
      bool keep = flooded(v);
      if (!keep) {
        std::optional<bool> elsewhere = TunnelElsewhere(v);
        if (!elsewhere) return false;
        keep = *elsewhere;
      }
      want.emplace_back(v, keep);
    }
    if (!EditTunnels(text, *tunnels, want, tunnel_edit)) return false;
  }
  for (state::ArrayEdit* e : {&network_edit, &remote_edit, &arp_edit, &tunnel_edit})
    if (!e->edits.empty()) edits.push_back(std::move(*e));
  return true;
}

// `net`'s run of entries (the arrays are sorted by network first) replaced by
// `all` less the host's own, when they differ.
void HostPatcher::ReplaceRun(const std::string& name, std::string_view text, const state::JsonLayout::Member& m,
                             const std::string& net, const std::vector<std::pair<std::string, const model::Host*>>& all,
                             state::ArrayEdit& edit) {
  auto network_of = [&](size_t i) { return StringMember(ElementAt(text, m, i), "\"network_id\":\""); };
  size_t lo = 0, hi = m.elements.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (network_of(mid) < net) lo = mid + 1;
    else hi = mid;
  }
  size_t end = lo;
  while (end < m.elements.size() && network_of(end) == net) ++end;
  state::ElementsEdit e{lo, end, {}, {}};
  for (const auto& [entry, h] : all)
    if (!h || h->name != name) e.elements.push_back(entry);
  bool same = e.elements.size() == end - lo;
  for (size_t k = 0; same && k < e.elements.size(); ++k) same = e.elements[k] == ElementAt(text, m, lo + k);
  if (!same) edit.edits.push_back(std::move(e));
}

// Tunnels (sorted VTEPs) with each of `want` in or out.
bool HostPatcher::EditTunnels(std::string_view text, const state::JsonLayout::Member& m,
                              const std::vector<std::pair<std::string, bool>>& want, state::ArrayEdit& edit) {
  for (const auto& [vtep, in] : want) {
    std::string_view quoted = scratch_.emplace_back("\"" + vtep + "\"");
    size_t lo = 0, hi = m.elements.size();
    while (lo < hi) {  // elements are quoted addresses without escapes: compared as text
      size_t mid = (lo + hi) / 2;
      std::string_view e = ElementAt(text, m, mid);
      if (e.size() < 2 || e.substr(1, e.size() - 2) < vtep) lo = mid + 1;
      else hi = mid;
    }
    bool there = lo < m.elements.size() && ElementAt(text, m, lo) == quoted;
    if (in && !there) edit.edits.push_back({lo, lo, {quoted}, {}});
    if (!in && there) edit.edits.push_back({lo, lo + 1, {}, {}});
  }
  std::sort(edit.edits.begin(), edit.edits.end(),
            [](const auto& a, const auto& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  return true;
}

// Whether a host (with a network) keeps a tunnel to a VTEP in none of its
// flood lists: another cloud's host with an instance port on this cloud's
// networks is one (its DVR MAC trusted, with the DVR MAC federation); a
// network node's VTEP may be one for its legacy or serving legs, and another
// cloud's host otherwise for its cloud serving a subnet here: nullopt, the
// full computation decides. This cloud's other hosts are tunnels only by
// the flood lists.
std::optional<bool> HostPatcher::TunnelElsewhere(const std::string& vtep) {
  if (!hosts_by_vtep_) {
    hosts_by_vtep_.emplace();
    for (const auto& [n, h] : ctx_.view().hosts) (*hosts_by_vtep_)[h.vtep_ip].push_back(&h);
  }
  bool keep = false;
  auto it = hosts_by_vtep_->find(vtep);
  if (it == hosts_by_vtep_->end()) return false;
  for (const model::Host* h : it->second) {
    if (h->role == "network") return std::nullopt;
    if (h->cloud == ctx_.view().cloud) continue;
    if (!ctx_.dvr_mac_federation() || h->dvr_mac.empty() || !ctx_.view().hosts_on_our_networks.count(h->name))
      return std::nullopt;
    keep = true;
  }
  return keep;
}

// The host's own ports that changed: their elements in `ports` added,
// replaced or removed (LocalPortOf), as long as the host keeps the same
// networks and groups (else it is computed).
bool HostPatcher::PatchOwnPorts(const std::string& name, std::string_view text, const state::JsonLayout& layout,
                                std::vector<state::ArrayEdit>& edits, std::vector<std::pair<std::string, bool>>& wired) {
  auto own = affected_.own_ports.find(name);
  if (own == affected_.own_ports.end()) return true;
  const state::JsonLayout::Member* ports = MemberOf(text, layout, kPortsKey);
  const state::JsonLayout::Member* networks = MemberOf(text, layout, kNetworksKey);
  const state::JsonLayout::Member* groups = MemberOf(text, layout, kGroupsKey);
  if (!ports || !networks || !groups) return false;
  const FederationView& v = ctx_.view();
  std::set<std::string, std::less<>> have_networks, have_groups, need_groups;
  for (size_t i = 0; i < networks->elements.size(); ++i)
    have_networks.emplace(StringMember(ElementAt(text, *networks, i), "\"id\":\""));
  for (size_t i = 0; i < groups->elements.size(); ++i) have_groups.emplace(GroupId(ElementAt(text, *groups, i)));
  // Its networks (and with them its routers) must stay those it was computed with.
  const std::set<std::string>* recorded = live_.NetworksOf(name);
  if (!recorded || HostNetworks(ctx_, name) != *recorded) return false;
  // The ports this host's state lists now (as ComputeHostState: on its
  // networks, SNAT legs apart, instances only when up), and their groups.
  std::map<std::string, const model::Port*> listed;
  auto bound = v.bound_by_host.find(name);
  if (bound != v.bound_by_host.end())
    for (const model::Port* q : bound->second) {
      if (!have_networks.count(q->network_id) || q->device_owner == model::kOwnerRouterSnat) continue;
      if (q->IsInstance() && !q->admin_state_up) continue;
      listed[q->id] = q;
    }
  for (const auto& [id, q] : listed)
    for (const auto& g : LocalPortOf(ctx_, *q).security_groups) need_groups.insert(g);
  if (need_groups != have_groups) return false;
  auto id_of = [&](size_t i) { return StringMember(ElementAt(text, *ports, i), "\"id\":\""); };
  state::ArrayEdit edit{kPortsKey, {}};
  for (const std::string& id : own->second) {
    size_t lo = 0, hi = ports->elements.size();
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (id_of(mid) < id) lo = mid + 1;
      else hi = mid;
    }
    bool was = lo < ports->elements.size() && id_of(lo) == id;
    auto now = listed.find(id);
    if (now == listed.end()) {
      if (!was) continue;
      edit.edits.push_back({lo, lo + 1, {}, {}});
      wired.emplace_back(id, false);
      continue;
    }
    std::string_view t = scratch_.emplace_back(state::DumpElement(LocalPortOf(ctx_, *now->second)));
    if (!was) {
      edit.edits.push_back({lo, lo, {t}, {}});
      wired.emplace_back(id, true);
    } else if (ElementAt(text, *ports, lo) != t) {
      auto delta = state::JsonDiff(ElementAt(text, *ports, lo), t);
      if (!delta.ok()) return false;
      edit.edits.push_back({lo, lo + 1, {t}, scratch_.emplace_back(std::move(*delta))});
    }
  }
  std::sort(edit.edits.begin(), edit.edits.end(),
            [](const auto& a, const auto& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  if (!edit.edits.empty()) edits.push_back(std::move(edit));
  return true;
}

HostPatcher::Patch HostPatcher::Apply(const std::string& name, std::string_view text, const state::JsonLayout& layout) {
  Patch out;
  scratch_.clear();
  if (!layout.valid) return out;
  for (const auto& m : layout.members)
    for (auto [b, e] : m.elements)
      if (e > text.size() || b > e) return out;
  std::vector<state::ArrayEdit> edits;
  // A port's own host reads its groups too (the index of group readers may
  // not name it when that port was its only member).
  if (affected_.remote_readers.count(name) || affected_.own_ports.count(name)) {
    const state::JsonLayout::Member* member = MemberOf(text, layout, kGroupsKey);
    state::ArrayEdit groups{kGroupsKey, {}};
    if (!member || !PatchGroups(text, *member, groups)) return out;
    if (!groups.edits.empty()) edits.push_back(std::move(groups));
  }
  if (affected_.slice_readers.count(name) && !PatchEntries(name, text, layout, edits)) return out;
  if (!PatchOwnPorts(name, text, layout, edits, out.wired)) return out;
  if (edits.empty()) {
    out.outcome = Outcome::kUnchanged;
    return out;
  }
  auto spliced = state::EditArrays(text, layout, std::move(edits));
  if (!spliced.ok()) return out;
  out.outcome = Outcome::kPatched;
  out.spliced = std::move(*spliced);
  return out;
}

}  // namespace isthmus::cloud
