#include "common/net.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace isthmus {
namespace {

bool ParseDecimal(const std::string& s, long min, long max, long* out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  if (s.size() > 1 && s[0] == '0') return false;  // no octal-looking leading zeros
  long v = std::strtol(s.c_str(), nullptr, 10);
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<Mac> Mac::Parse(const std::string& text) {
  auto parts = Split(text, ':');
  if (parts.size() != 6) return InvalidArgument("'" + text + "' is not a MAC address");
  Mac mac;
  for (size_t i = 0; i < 6; ++i) {
    if (parts[i].size() != 2 || HexDigit(parts[i][0]) < 0 || HexDigit(parts[i][1]) < 0)
      return InvalidArgument("'" + text + "' is not a MAC address");
    mac.b[i] = static_cast<uint8_t>(HexDigit(parts[i][0]) * 16 + HexDigit(parts[i][1]));
  }
  return mac;
}

Mac Mac::FromU64(uint64_t v) {
  Mac mac;
  for (int i = 5; i >= 0; --i) {
    mac.b[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return mac;
}

uint64_t Mac::ToU64() const {
  uint64_t v = 0;
  for (uint8_t x : b) v = (v << 8) | x;
  return v;
}

std::string Mac::ToString() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
                b[5]);
  return buf;
}

Result<Ipv4> Ipv4::Parse(const std::string& text) {
  auto parts = Split(text, '.');
  if (parts.size() != 4) return InvalidArgument("'" + text + "' is not an IPv4 address");
  uint32_t v = 0;
  for (const auto& p : parts) {
    long octet;
    if (!ParseDecimal(p, 0, 255, &octet))
      return InvalidArgument("'" + text + "' is not an IPv4 address");
    v = (v << 8) | static_cast<uint32_t>(octet);
  }
  return Ipv4{v};
}

std::string Ipv4::ToString() const {
  std::ostringstream o;
  o << ((v >> 24) & 0xff) << '.' << ((v >> 16) & 0xff) << '.' << ((v >> 8) & 0xff) << '.'
    << (v & 0xff);
  return o.str();
}

Result<Cidr> Cidr::Parse(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos)
    return InvalidArgument("'" + text + "' is not a CIDR (expected a.b.c.d/len)");
  auto ip = Ipv4::Parse(text.substr(0, slash));
  long len;
  if (!ip.ok() || !ParseDecimal(text.substr(slash + 1), 0, 32, &len))
    return InvalidArgument("'" + text + "' is not a CIDR (expected a.b.c.d/len)");
  Cidr c{*ip, static_cast<int>(len)};
  if ((ip->v & ~c.Mask()) != 0)
    return InvalidArgument("'" + text + "' has host bits set; did you mean " +
                           Ipv4{ip->v & c.Mask()}.ToString() + "/" + std::to_string(len) + "?");
  return c;
}

std::string Cidr::ToString() const { return network.ToString() + "/" + std::to_string(prefix_len); }

uint32_t Cidr::Mask() const {
  return prefix_len == 0 ? 0u : ~uint32_t{0} << (32 - prefix_len);
}

bool Cidr::Contains(Ipv4 ip) const { return (ip.v & Mask()) == network.v; }

bool Cidr::Overlaps(const Cidr& other) const {
  return Contains(other.network) || other.Contains(network);
}

bool IsValidHostName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && name != "." && name != ".." &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
             std::string::npos;
}

}  // namespace isthmus
