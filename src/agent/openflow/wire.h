// OpenFlow 1.4 wire basics: message types and constants the agent's client
// uses, and a big-endian byte writer/reader. Nothing here knows about flows
// (flow_mod_encoder.h) or sockets (connection.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace isthmus::agent::openflow {

using Bytes = std::vector<uint8_t>;

inline constexpr uint8_t kVersion14 = 0x05;

enum MsgType : uint8_t {
  kHello = 0,
  kError = 1,
  kEchoRequest = 2,
  kEchoReply = 3,
  kFlowMod = 14,
  kMultipartRequest = 18,
  kMultipartReply = 19,
  kBundleControl = 33,
  kBundleAddMessage = 34,
};

enum FlowModCommand : uint8_t { kAdd = 0, kDelete = 3, kDeleteStrict = 4 };

inline constexpr uint16_t kMultipartPortDesc = 13;
inline constexpr uint16_t kMultipartReplyMore = 1;

enum BundleControlType : uint16_t {
  kBundleOpenRequest = 0,
  kBundleOpenReply = 1,
  kBundleCommitRequest = 4,
  kBundleCommitReply = 5,
  kBundleDiscardRequest = 6,
};
inline constexpr uint16_t kBundleAtomic = 1;
inline constexpr uint16_t kBundleOrdered = 2;

// Reserved port numbers (OpenFlow 1.1+).
inline constexpr uint32_t kPortInPort = 0xfffffff8;
inline constexpr uint32_t kPortNormal = 0xfffffffa;
inline constexpr uint32_t kPortLocal = 0xfffffffe;
inline constexpr uint32_t kPortAny = 0xffffffff;
inline constexpr uint32_t kGroupAny = 0xffffffff;
inline constexpr uint8_t kTableAll = 0xff;
inline constexpr uint32_t kNoBuffer = 0xffffffff;

// Nicira's experimenter id (NX actions).
inline constexpr uint32_t kNiciraVendor = 0x00002320;

inline constexpr size_t kHeaderSize = 8;

class Writer {
 public:
  Bytes& bytes() { return b_; }
  size_t size() const { return b_.size(); }
  void U8(uint8_t v) { b_.push_back(v); }
  void U16(uint16_t v) { U8(v >> 8), U8(v & 0xff); }
  void U32(uint32_t v) { U16(v >> 16), U16(v & 0xffff); }
  void U64(uint64_t v) { U32(v >> 32), U32(v & 0xffffffff); }
  void Zeros(size_t n) { b_.insert(b_.end(), n, 0); }
  void Append(const Bytes& v) { b_.insert(b_.end(), v.begin(), v.end()); }
  void PadTo8() { Zeros((8 - b_.size() % 8) % 8); }
  // Writes a 16-bit length at `at` (the position of a length field).
  void PatchU16(size_t at, uint16_t v) { b_[at] = v >> 8, b_[at + 1] = v & 0xff; }

 private:
  Bytes b_;
};

inline uint16_t GetU16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t GetU32(const uint8_t* p) { return uint32_t(GetU16(p)) << 16 | GetU16(p + 2); }

// An OpenFlow header: version, type, length (patched by FinishMessage), xid.
inline size_t StartMessage(Writer& w, uint8_t type, uint32_t xid) {
  size_t start = w.size();
  w.U8(kVersion14), w.U8(type), w.U16(0), w.U32(xid);
  return start;
}
inline void FinishMessage(Writer& w, size_t start) { w.PatchU16(start + 2, uint16_t(w.size() - start)); }

// "0a0b..." for logs and test expectations.
std::string Hex(const Bytes& b);

}  // namespace isthmus::agent::openflow
