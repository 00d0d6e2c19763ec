// Tags (standard-attr-tag): the checks of a tag list, and the federation's
// change of one resource's tags, committed like any update (Put stamps a new
// revision and updated_at; the clouds receive the resource again and ignore
// its tags, as they ignore its description).
#include "central/tags.h"

#include <algorithm>
#include <set>

#include "central/federation.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

template <typename T>
concept HasTags = requires(T t) { t.tags; };

// The first 64 characters of a refused tag, for the message.
std::string Shown(const std::string& tag) {
  std::string shown = tag.substr(0, 64);
  while (!shown.empty() && Utf8Length(shown) < 0) shown.pop_back();
  return shown + (shown.size() < tag.size() ? "..." : "");
}

}  // namespace

bool Taggable(Kind kind) {
  bool taggable = false;
  ForEachKindType([&](auto type) {
    using T = typename decltype(type)::type;
    if constexpr (HasTags<T>) taggable |= KindOf<T> == kind;
  });
  return taggable;
}

Status CheckTag(const std::string& tag) {
  if (tag.empty()) return InvalidArgument("Invalid input for tags. Reason: a tag must not be empty.");
  if (!IsValidName(tag, kMaxTagLength))
    return InvalidArgument("Invalid input for tags. Reason: '" + Shown(tag) + "' exceeds maximum length of " +
                           std::to_string(kMaxTagLength) + " (or is not UTF-8).");
  return Status::Ok();
}

Result<std::vector<std::string>> ParseTags(const json& v) {
  if (!v.is_array()) return InvalidArgument("Invalid input for tags. Reason: '" + v.dump().substr(0, 64) +
                                            "' is not a list.");
  std::set<std::string> seen;
  for (const auto& t : v) {
    if (!t.is_string())
      return InvalidArgument("Invalid input for tags. Reason: '" + t.dump().substr(0, 64) + "' is not a string.");
    ISTHMUS_RETURN_IF_ERROR(CheckTag(t.get<std::string>()));
    if (!seen.insert(t.get<std::string>()).second)
      return InvalidArgument("Invalid input for tags. Reason: Duplicate items in the list: '" +
                             Shown(t.get<std::string>()) + "'.");
  }
  if (seen.size() > kMaxTagsPerResource)
    return InvalidArgument("Invalid input for tags. Reason: at most " + std::to_string(kMaxTagsPerResource) +
                           " tags per resource, not " + std::to_string(seen.size()) + ".");
  return std::vector<std::string>(seen.begin(), seen.end());
}

Result<std::vector<std::string>> Federation::ChangeTags(Kind kind, const std::string& id, const TagChange& change) {
  ISTHMUS_FRESH(ChangeTags(kind, id, change));
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Result<std::vector<std::string>>> out;
  ForEachKindType([&](auto type) {
    using T = typename decltype(type)::type;
    if constexpr (HasTags<T>) {
      if (KindOf<T> != kind) return;
      auto it = store_.All<T>().find(id);
      if (it == store_.All<T>().end()) {
        out = NotFound(std::string(Traits(kind).title) + " " + id + " could not be found");
        return;
      }
      T v = it->second;
      std::set<std::string> tags(v.tags.begin(), v.tags.end());
      switch (change.op) {
        case TagChange::Op::kReplace: tags = {change.tags.begin(), change.tags.end()}; break;
        case TagChange::Op::kAdd: tags.insert(change.tags.begin(), change.tags.end()); break;
        case TagChange::Op::kRemove:
          for (const auto& t : change.tags)
            if (!tags.erase(t)) {
              out = NotFound("Tag " + Shown(t) + " could not be found");
              return;
            }
          break;
      }
      if (tags.size() > kMaxTagsPerResource) {
        out = InvalidArgument("Invalid input for tags. Reason: at most " + std::to_string(kMaxTagsPerResource) +
                              " tags per resource.");
        return;
      }
      v.tags.assign(tags.begin(), tags.end());
      if (v.tags != it->second.tags) {
        Change c;
        Put(c, v);
        if (Status st = Apply(c); !st.ok()) {
          out = st;
          return;
        }
      }
      out = v.tags;
    }
  });
  if (!out) return NotFound("Resource kind " + Name(kind) + " has no tags");
  return std::move(*out);
}

}  // namespace isthmus::central
