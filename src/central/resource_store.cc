#include "central/resource_store.h"

namespace isthmus::central {

using nlohmann::json;

std::optional<Kind> KindNamed(std::string_view name) {
  for (const auto& t : kKinds)
    if (name == t.name) return t.kind;
  return std::nullopt;
}

std::optional<Kind> KindOfBody(std::string_view body) {
  for (const auto& t : kKinds)
    if (body == t.body) return t.kind;
  return std::nullopt;
}

std::vector<std::string> Recipients(const Store& s, const Change& c, Kind kind, const std::string& anchor) {
  switch (Traits(kind).reach) {
    case Reach::kEveryCloud: {
      std::vector<std::string> out;
      const auto& added = c.Of<model::Cloud>();
      for (const auto& [name, cloud] : s.All<model::Cloud>())
        if (auto it = added.find(name); it == added.end() || it->second) out.push_back(name);
      for (const auto& [name, cloud] : added)
        if (cloud && !s.All<model::Cloud>().count(name)) out.push_back(name);
      return out;
    }
    case Reach::kNetworkClouds: {
      auto n = Now<model::Network>(s, c, anchor);
      return n ? n->clouds : std::vector<std::string>();
    }
    case Reach::kOwnCloud:
      return {anchor};
  }
  return {};
}

namespace {

// f(the map of `kind` in the store); false for an unknown kind.
template <typename F>
bool Visit(const Store& s, Kind kind, F&& f) {
  bool found = false;
  s.ForEachKind([&](const auto& map) {
    if (KindOf<ModelIn<std::decay_t<decltype(map)>>> == kind) {
      f(map);
      found = true;
    }
  });
  return found;
}

}  // namespace

std::vector<std::string> RecipientsOf(const Store& s, Kind kind, const std::string& key) {
  std::vector<std::string> out;
  Visit(s, kind, [&](const auto& map) {
    auto it = map.find(key);
    static const Change kNothing;
    if (it != map.end()) out = Recipients(s, kNothing, kind, Anchor(it->second));
  });
  return out;
}

std::optional<json> ModelJson(const Store& s, Kind kind, const std::string& key) {
  std::optional<json> out;
  Visit(s, kind, [&](const auto& map) {
    auto it = map.find(key);
    if (it != map.end()) out = json(it->second);
  });
  return out;
}

void Emit(Change& c, Kind kind, const std::string& op, const std::string& key, const json& body,
          const std::vector<std::string>& clouds) {
  for (const auto& cloud : clouds) c.m.events.push_back({0, cloud, Name(kind), op, key, body});
}

void RowUpsert(Change& c, const model::Cloud& v) { c.m.cloud_upserts.push_back({v.name, v}); }
void RowUpsert(Change& c, const model::Host& v) { c.m.host_upserts.push_back(v); }

void RowDelete(Change& c, Kind kind, const std::string& key) {
  if (kind == Kind::kCloud) c.m.cloud_deletes.push_back(key);  // with its pending jobs
  else if (Traits(kind).neutron) c.m.deletes.push_back({Name(kind), key});
  // Hosts are never deleted (a host's cloud re-registers it).
}

void Merge(Store& s, const Change& c) {
  s.allocation().Merge(s.All<model::Port>(), c.Of<model::Port>());
  s.groups().Merge(s.All<model::Port>(), c.Of<model::Port>());
  s.groups().Merge(s.All<model::SecurityGroupRule>(), c.Of<model::SecurityGroupRule>());
  s.ForEachKind([&](auto& map) {
    using T = ModelIn<std::decay_t<decltype(map)>>;
    for (const auto& [key, v] : c.Of<T>()) {
      s.Lists().Unindex(map, key);
      if (v) map[key] = *v;
      else map.erase(key);
      s.Lists().Index(map, key);
    }
  });
}

}  // namespace isthmus::central
