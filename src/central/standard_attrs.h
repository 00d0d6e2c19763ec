// Neutron's standard attributes of central's Neutron kinds (standard-attr-
// timestamp, standard-attr-revisions): created_at, updated_at and
// revision_number, stamped by Put (resource_store.h) on every write.
#pragma once

#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

namespace isthmus::central {

// Now, as Neutron writes its timestamps: 2026-12-02T00:15:00Z (UTC, seconds).
inline std::string NowTimestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A timestamp in a Neutron view: null for a resource made before central kept them.
inline nlohmann::json TimestampView(const std::string& t) { return t.empty() ? nlohmann::json(nullptr) : nlohmann::json(t); }

template <typename T>
concept HasStandardAttrs = requires(T t) {
  t.created_at;
  t.updated_at;
  t.revision_number;
};

// v is being written over `before` (what the store held before the change;
// nullptr: v is new). New: created and updated now, revision 1. Changed in
// anything but these attributes, or touched (Touch in resource_store.h: its
// revision raised): updated now, revision + 1. Unchanged: as before.
template <HasStandardAttrs T>
void StampStandardAttrs(T& v, const T* before) {
  if (!before) {
    v.created_at = v.updated_at = NowTimestamp();
    v.revision_number = 1;
    return;
  }
  T a = v, b = *before;
  for (T* x : {&a, &b}) {
    x->created_at.clear();
    x->updated_at.clear();
    x->revision_number = 0;
  }
  v.created_at = before->created_at;
  if (nlohmann::json(a) == nlohmann::json(b) && v.revision_number <= before->revision_number) {
    v.updated_at = before->updated_at;
    v.revision_number = before->revision_number;
    return;
  }
  v.updated_at = NowTimestamp();
  v.revision_number = before->revision_number + 1;
}

}  // namespace isthmus::central
