// Central's in-memory copy of every resource, one map per kind (Store), and a
// change being built over it (Change): the resources it wrote so far, which
// reads go through, and the rows and events it will commit. The fan-out rule
// (Recipients: which clouds receive a resource) is written here once, and Put
// and Drop are the only writers of resources and their events.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "central/allocation_index.h"
#include "central/central_db.h"
#include "central/group_index.h"
#include "central/list_index.h"
#include "central/resource_kind.h"
#include "central/standard_attrs.h"

namespace isthmus::central {

namespace detail {
template <typename Tuple, bool kOptional>
struct MapsOf;
template <typename... T>
struct MapsOf<std::tuple<T...>, false> {
  using type = std::tuple<std::map<std::string, T>...>;
};
template <typename... T>
struct MapsOf<std::tuple<T...>, true> {
  using type = std::tuple<std::map<std::string, std::optional<T>>...>;
};
}  // namespace detail

// Every resource central holds, by kind and key (a cloud's or host's name, an id).
class Store {
 public:
  template <typename T>
  std::map<std::string, T>& All() { return std::get<std::map<std::string, T>>(maps_); }
  template <typename T>
  const std::map<std::string, T>& All() const { return std::get<std::map<std::string, T>>(maps_); }
  // f(const std::map<std::string, T>&) for every kind, in Kind order.
  template <typename F>
  void ForEachKind(F&& f) const {
    std::apply([&](const auto&... m) { (f(m), ...); }, maps_);
  }
  template <typename F>
  void ForEachKind(F&& f) {
    std::apply([&](auto&... m) { (f(m), ...); }, maps_);
  }
  // The list indexes over the maps (Merge keeps them; rebuild after writing maps directly).
  ListIndex& Lists() { return lists_; }
  const ListIndex& Lists() const { return lists_; }
  // MACs and addresses held by ports (allocation_index.h): kept by Merge, rebuilt by Load.
  AllocationIndex& allocation() { return allocation_; }
  const AllocationIndex& allocation() const { return allocation_; }
  // Security group members and remote-group rules (group_index.h): kept by Merge, rebuilt by Load.
  GroupIndex& groups() { return groups_; }
  const GroupIndex& groups() const { return groups_; }

 private:
  detail::MapsOf<KindModels, false>::type maps_;
  ListIndex lists_;
  AllocationIndex allocation_;
  GroupIndex groups_;
};

// The model type held by a Store map (std::map<std::string, T>).
template <typename Map>
using ModelIn = typename Map::mapped_type;

// Up to `max` resources of a kind from the source (an index's ids, or the whole
// map), in id order (descending: from the largest down), after `after` ("": from the start).
template <typename T>
std::vector<T> Walk(const Store& s, const IdSource& source, const std::string& after, bool descending,
                    size_t max) {
  std::vector<T> out;
  const auto& map = s.All<T>();
  if (!source.attribute.empty()) {
    for (const auto& id : s.Lists().Walk(KindOf<T>, source, after, descending, max))
      if (auto it = map.find(id); it != map.end()) out.push_back(it->second);
    return out;
  }
  if (!descending) {
    for (auto it = after.empty() ? map.begin() : map.upper_bound(after); it != map.end() && out.size() < max; ++it)
      out.push_back(it->second);
  } else {
    for (auto it = after.empty() ? map.end() : map.lower_bound(after); it != map.begin() && out.size() < max;)
      out.push_back((--it)->second);
  }
  return out;
}

// A mutation being built: the resources it wrote (nullopt: deleted), the quota
// rows it sets, and the DB rows and events (m) it commits. Federation::Apply
// commits it, then merges it into the Store; until then it changes nothing.
struct Change {
  Mutation m;
  detail::MapsOf<KindModels, true>::type maps;
  template <typename T>
  std::map<std::string, std::optional<T>>& Of() { return std::get<std::map<std::string, std::optional<T>>>(maps); }
  template <typename T>
  const std::map<std::string, std::optional<T>>& Of() const {
    return std::get<std::map<std::string, std::optional<T>>>(maps);
  }
};

// Reads through a Change: the Store overlaid with the change's writes.
template <typename T>
std::optional<T> Now(const Store& s, const Change& c, const std::string& key) {
  if (auto it = c.Of<T>().find(key); it != c.Of<T>().end()) return it->second;
  if (auto it = s.All<T>().find(key); it != s.All<T>().end()) return it->second;
  return std::nullopt;
}
// f(const T&) for every resource of the kind: the Store's first (key order),
// then those the change added. Do not write c inside f.
template <typename T, typename F>
void Each(const Store& s, const Change& c, F&& f) {
  for (const auto& [key, v] : s.All<T>())
    if (!c.Of<T>().count(key)) f(v);
  for (const auto& [key, v] : c.Of<T>())
    if (v) f(*v);
}
// A copy: safe to write c while looping over it.
template <typename T>
std::vector<T> AllNow(const Store& s, const Change& c) {
  std::vector<T> out;
  Each<T>(s, c, [&](const T& v) { out.push_back(v); });
  return out;
}

// The fan-out rule: the clouds that receive a resource of `kind` with `anchor`
// (Reach), as the store and change hold them now. kEveryCloud lists the
// clouds held before the change first (name order), then those it adds.
std::vector<std::string> Recipients(const Store& s, const Change& c, Kind kind, const std::string& anchor);
// The clouds that receive the resource `key` of `kind` now; empty if it is gone.
std::vector<std::string> RecipientsOf(const Store& s, Kind kind, const std::string& key);
// The resource's model JSON (what clouds receive), nullopt if it is gone.
std::optional<nlohmann::json> ModelJson(const Store& s, Kind kind, const std::string& key);

// Queues one event per cloud into the change.
void Emit(Change& c, Kind kind, const std::string& op, const std::string& key, const nlohmann::json& body,
          const std::vector<std::string>& clouds);
// The row of an upsert or delete of a resource (the `clouds`, `hosts` or `resources` table).
void RowUpsert(Change& c, const model::Cloud& v);
void RowUpsert(Change& c, const model::Host& v);
void RowDelete(Change& c, Kind kind, const std::string& key);
template <typename T>
void RowUpsert(Change& c, const T& v) {
  c.m.upserts.push_back({Name(KindOf<T>), KeyOf(v), v});
}

// Writes a resource into the change, with its row and an upsert event to every
// cloud that receives it.
// A Neutron kind's standard attributes are stamped (standard_attrs.h) against
// the version the store held before the change.
template <typename T>
void Put(const Store& s, Change& c, const T& v) {
  T w = v;
  if constexpr (HasStandardAttrs<T>) {
    auto before = s.All<T>().find(KeyOf(v));
    StampStandardAttrs(w, before == s.All<T>().end() ? nullptr : &before->second);
  }
  c.Of<T>()[KeyOf(w)] = w;
  RowUpsert(c, w);
  Emit(c, KindOf<T>, "upsert", KeyOf(w), w, Recipients(s, c, KindOf<T>, Anchor(w)));
}
// Bumps the revision of a resource a change touches without changing it, as
// Neutron does for a network when a subnet comes or goes and for a router when
// an interface does (standard-attr-revisions). Its clouds get it again.
template <typename T>
void Touch(const Store& s, Change& c, const std::string& key) {
  auto v = Now<T>(s, c, key);
  if (!v) return;
  if (auto before = s.All<T>().find(key); before != s.All<T>().end())
    v->revision_number = std::max(v->revision_number, before->second.revision_number + 1);
  Put(s, c, *v);
}
// Deletes a resource (if there), with its row and a delete event to every cloud
// that received it and still exists.
template <typename T>
void Drop(const Store& s, Change& c, const std::string& key) {
  auto v = Now<T>(s, c, key);
  if (!v) return;
  auto clouds = Recipients(s, c, KindOf<T>, Anchor(*v));
  c.Of<T>()[key] = std::nullopt;
  RowDelete(c, KindOf<T>, key);
  std::erase_if(clouds, [&](const std::string& n) { return !Now<model::Cloud>(s, c, n); });
  Emit(c, KindOf<T>, "delete", key, nlohmann::json::object(), clouds);
}

// The change's writes into the store (after its commit succeeded).
void Merge(Store& s, const Change& c);

}  // namespace isthmus::central
