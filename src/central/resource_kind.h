// The kinds of resource central holds and pushes, with their traits (wire name,
// plural, title, which clouds receive one, who sees one) in one table. Adding a
// kind: a row here, its model type in KindModels, and the files of that kind
// (its model, its overloads of Service::Create/Update, ViewOf and
// Federation::DeleteLocked, which VisitNeutronKind finds by type).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "model/resources.h"

namespace isthmus::central {

// In KindModels' order (the order of a snapshot's and a listing's kinds).
enum class Kind { kCloud, kHost, kNetwork, kSubnet, kPort, kRouter, kFloatingIp, kSecurityGroup, kSecurityGroupRule };

// Which clouds receive a resource: the fan-out rule (Recipients, resource_store.h), given
// the resource's anchor (Anchor below).
enum class Reach {
  kEveryCloud,     // every cloud of the federation (anchor unused)
  kNetworkClouds,  // every cloud of the network whose id is the anchor
  kOwnCloud,       // the one cloud named by the anchor
};

struct KindTraits {
  Kind kind;
  const char* name;    // in events, jobs, routings, the DB and the API ("floatingip")
  const char* plural;  // the API's collection in URLs ("floatingips", "security-groups")
  const char* body;    // the API's body key and quota resource ("floatingip", "security_group")
  const char* title;   // in messages ("Floating IP 1234 could not be found")
  Reach reach;
  bool neutron;  // a Neutron resource: /v2.0/<plural>, the `resources` table, quotas
  // A member sees only its own project's (access.h); networks and subnets may
  // also be seen by others (external networks).
  bool own_project_only;
};

inline constexpr std::array<KindTraits, 9> kKinds = {{
    {Kind::kCloud, "cloud", "clouds", "cloud", "Cloud", Reach::kEveryCloud, false, false},
    {Kind::kHost, "host", "hosts", "host", "Host", Reach::kEveryCloud, false, false},
    {Kind::kNetwork, "network", "networks", "network", "Network", Reach::kNetworkClouds, true, false},
    {Kind::kSubnet, "subnet", "subnets", "subnet", "Subnet", Reach::kNetworkClouds, true, false},
    {Kind::kPort, "port", "ports", "port", "Port", Reach::kNetworkClouds, true, true},
    {Kind::kRouter, "router", "routers", "router", "Router", Reach::kOwnCloud, true, true},
    {Kind::kFloatingIp, "floatingip", "floatingips", "floatingip", "Floating IP", Reach::kOwnCloud, true, true},
    {Kind::kSecurityGroup, "securitygroup", "security-groups", "security_group", "Security group",
     Reach::kEveryCloud, true, true},
    {Kind::kSecurityGroupRule, "securitygrouprule", "security-group-rules", "security_group_rule",
     "Security group rule", Reach::kEveryCloud, true, true},
}};

// The model type of each kind, in the enum's order.
using KindModels = std::tuple<model::Cloud, model::Host, model::Network, model::Subnet, model::Port,
                              model::Router, model::FloatingIp, model::SecurityGroup, model::SecurityGroupRule>;

inline const KindTraits& Traits(Kind k) { return kKinds[static_cast<size_t>(k)]; }
inline std::string Name(Kind k) { return Traits(k).name; }
// The key of a Neutron kind's collection in JSON bodies (lists, bulk creates):
// its body key's plural ("security_groups", where the URL has "security-groups").
inline std::string CollectionKey(Kind k) { return std::string(Traits(k).body) + "s"; }
// The kind a wire name names (nullopt for an unknown name, or "snapshot").
std::optional<Kind> KindNamed(std::string_view name);
// The kind whose API body key (or, the same, quota resource) is `body`.
std::optional<Kind> KindOfBody(std::string_view body);

namespace detail {
template <typename T, typename Tuple>
struct IndexOf;
template <typename T, typename... Ts>
struct IndexOf<T, std::tuple<T, Ts...>> : std::integral_constant<size_t, 0> {};
template <typename T, typename U, typename... Ts>
struct IndexOf<T, std::tuple<U, Ts...>>
    : std::integral_constant<size_t, 1 + IndexOf<T, std::tuple<Ts...>>::value> {};
}  // namespace detail

template <typename T>
inline constexpr Kind KindOf = static_cast<Kind>(detail::IndexOf<T, KindModels>::value);
template <Kind K>
using ModelOf = std::tuple_element_t<static_cast<size_t>(K), KindModels>;

// f(std::type_identity<T>{}) for the model type T of every kind, in Kind order.
template <typename F>
void ForEachKindType(F&& f) {
  [&]<size_t... I>(std::index_sequence<I...>) {
    (f(std::type_identity<std::tuple_element_t<I, KindModels>>{}), ...);
  }(std::make_index_sequence<std::tuple_size_v<KindModels>>{});
}

// f(std::type_identity<T>{}) for the model type T of kind k if it is a Neutron
// kind (kKinds' `neutron`), nullopt otherwise: per-kind work by overloads on
// T (Service::Create, ViewOf, Federation::DeleteLocked, ...), with no switch to
// extend when a kind is added.
template <typename F>
auto VisitNeutronKind(Kind k, F&& f) -> std::optional<decltype(f(std::type_identity<model::Network>{}))> {
  std::optional<decltype(f(std::type_identity<model::Network>{}))> out;
  ForEachKindType([&]<typename T>(std::type_identity<T> t) {
    if constexpr (kKinds[static_cast<size_t>(KindOf<T>)].neutron)
      if (KindOf<T> == k) out.emplace(f(t));
  });
  return out;
}

// A resource's key and its anchor for the fan-out rule (Reach).
inline const std::string& KeyOf(const model::Cloud& c) { return c.name; }
inline const std::string& KeyOf(const model::Host& h) { return h.name; }
template <typename T>
const std::string& KeyOf(const T& r) { return r.id; }

inline std::string Anchor(const model::Cloud&) { return ""; }
inline std::string Anchor(const model::Host&) { return ""; }
inline std::string Anchor(const model::Network& n) { return n.id; }
inline std::string Anchor(const model::Subnet& s) { return s.network_id; }
inline std::string Anchor(const model::Port& p) { return p.network_id; }
inline std::string Anchor(const model::Router& r) { return r.cloud; }
inline std::string Anchor(const model::FloatingIp& f) { return f.cloud; }
inline std::string Anchor(const model::SecurityGroup&) { return ""; }
inline std::string Anchor(const model::SecurityGroupRule&) { return ""; }

}  // namespace isthmus::central
