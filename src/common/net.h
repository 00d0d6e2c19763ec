// Addresses and identifiers of the domain: MAC addresses (and the DVR MAC space),
// IPv4 addresses, prefixes and interface addresses, IDs, names, VNIs. Pure value
// types and predicates with strict parsers (bad text is an InvalidArgument, never
// a guess); every hop validates with these (docs/architecture.md, "Validation").
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace isthmus {

struct Mac {
  std::array<uint8_t, 6> b{};

  static Result<Mac> Parse(const std::string& text);
  static Mac FromU64(uint64_t v);
  uint64_t ToU64() const;
  std::string ToString() const;  // "fa:16:3e:00:00:01"
  bool IsMulticast() const { return (b[0] & 1) != 0; }
  bool operator==(const Mac&) const = default;
  auto operator<=>(const Mac&) const = default;
};

// The DVR MAC space fa:16:3f:00:00:00/ff:ff:ff:00:00:00 (docs/architecture.md,
// "DVR MACs"): no instance port may use a MAC in it.
inline constexpr char kDvrMacSpace[] = "fa:16:3f:00:00:00/ff:ff:ff:00:00:00";
bool InDvrMacSpace(const Mac& mac);

// A cloud's DVR MAC prefix "fa:16:3f:kk" (kk = the cloud's index, 01..ff).
struct DvrMacPrefix {
  int index = 0;  // 1..255

  static Result<DvrMacPrefix> Parse(const std::string& text);
  static DvrMacPrefix ForIndex(int index) { return DvrMacPrefix{index}; }
  std::string ToString() const;  // "fa:16:3f:01"
  bool Contains(const Mac& mac) const;
  bool operator==(const DvrMacPrefix&) const = default;
};

struct Ipv4 {
  uint32_t v = 0;  // host byte order

  static Result<Ipv4> Parse(const std::string& text);
  std::string ToString() const;
  bool operator==(const Ipv4&) const = default;
  auto operator<=>(const Ipv4&) const = default;
};

struct Cidr {
  Ipv4 network;
  int prefix_len = 0;

  // Accepts "10.0.3.0/24"; refuses host bits set ("10.0.3.1/24") and bad lengths.
  static Result<Cidr> Parse(const std::string& text);
  std::string ToString() const;
  uint32_t Mask() const;
  bool Contains(Ipv4 ip) const;
  bool Overlaps(const Cidr& other) const;
  Ipv4 First() const { return network; }
  Ipv4 Last() const { return Ipv4{network.v | ~Mask()}; }
  Ipv4 Broadcast() const { return Last(); }
  bool operator==(const Cidr&) const = default;
};

// An interface address: an IPv4 address with its prefix length, host bits set
// ("10.0.3.2/24").
struct IfaceAddress {
  Ipv4 ip;
  int prefix_len = 0;

  static Result<IfaceAddress> Parse(const std::string& text);
  std::string ToString() const;
};

// A VXLAN segmentation ID: 1..16777215.
bool IsValidVni(int64_t vni);

// A host's name as it appears in URLs, OVS and namespace names: 1 to 64
// letters, digits, '.', '-' or '_' (not "." or "..").
bool IsValidHostName(const std::string& name);
// A cloud's name (availability zone, URL path segment): the same grammar.
inline bool IsValidCloudName(const std::string& name) { return IsValidHostName(name); }

// A resource ID as central makes them (UUIDs) and as they appear in namespace,
// device and file names: 1 to 64 letters, digits, '-' or '_'.
bool IsValidId(const std::string& id);

// Free text of the API (name, description, device_owner...): valid UTF-8 of at
// most max_chars characters (Neutron counts characters, not bytes).
bool IsValidName(const std::string& text, size_t max_chars = 255);
// The number of characters of valid UTF-8 text, or -1 if it is not valid UTF-8.
int64_t Utf8Length(const std::string& text);

// A DNS label (a DHCP host name such as "host-10-0-3-11"): 1 to 63 letters,
// digits or '-', not starting or ending with '-'.
bool IsValidDnsLabel(const std::string& label);

}  // namespace isthmus
