// Neutron's standard-attr-tag on central's tag-capable kinds (networks,
// subnets, ports, routers, floating IPs, security groups): a checked tag list
// and a change of one resource's tags as the federation applies it (tags.cc).
// The /tags routes are tags_api.h's, the list filters listing.h's.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "central/resource_kind.h"
#include "common/status.h"

namespace isthmus::central {

// Neutron's MAX_TAG_LEN; isthmus also bounds how many one resource holds
// (Neutron sets no bound): a resource is held whole in central's memory.
inline constexpr size_t kMaxTagLength = 255;
inline constexpr size_t kMaxTagsPerResource = 100;

// Whether the kind carries tags (its model has `tags`).
bool Taggable(Kind kind);
// One tag: a string of 1..255 characters (UTF-8, counted in characters); 400 otherwise.
Status CheckTag(const std::string& tag);
// A list of tags as a body gives it (`{"tags": [...]}`'s value, or a port's
// `tags` on create): strings, each checked, no duplicates (400 naming the
// first bad one), at most kMaxTagsPerResource. Answered sorted.
Result<std::vector<std::string>> ParseTags(const nlohmann::json& v);

// A change of one resource's tags.
struct TagChange {
  enum class Op {
    kReplace,  // PUT .../tags: the whole list (DELETE .../tags: replaced by none)
    kAdd,      // PUT .../tags/{tag}, POST .../tags: added where missing
    kRemove,   // DELETE .../tags/{tag}: 404 if the resource does not have it
  };
  Op op = Op::kReplace;
  std::vector<std::string> tags;  // checked (ParseTags, CheckTag)
};

}  // namespace isthmus::central
