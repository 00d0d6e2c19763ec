#include "state/state_delta.h"

#include <algorithm>
#include <charconv>

#include "common/crypto.h"
#include "state/host_state_json.h"
#include "state/json_delta.h"

namespace isthmus::state {

std::string DeltaAnswer(int64_t from, int64_t revision, const std::string& digest,
                        const std::vector<const std::string*>& steps) {
  size_t size = 128;
  for (const std::string* s : steps) size += s->size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"delta\":{\"from\":" + std::to_string(from) + ",\"revision\":" + std::to_string(revision) +
         (IsMemberDigest(digest) ? ",\"digest\":\"" : ",\"sha256\":\"") + digest + "\",\"steps\":[";
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i) out += ',';
    out += *steps[i];
  }
  out += "]}}";
  return out;
}

bool IsDeltaAnswer(std::string_view body) { return body.substr(0, 9) == "{\"delta\":"; }

HeldState HoldFullAnswer(std::string_view body, int64_t revision) {
  HeldState held{revision, WithRevision(std::string(body), 0), {}, {}};
  held.layout = LayoutOf(held.text);
  held.digests = DigestMembers(held.text, held.layout);
  return held;
}

namespace {

bool ParseInt(std::string_view v, int64_t& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size();
}

}  // namespace

Result<HeldState> ApplyDeltaAnswer(const HeldState& held, std::string_view body) {
  auto outer = JsonMembers(body);
  if (!outer.ok() || outer->size() != 1 || (*outer)[0].first != "\"delta\"")
    return InvalidArgument("a delta answer is {\"delta\": {...}}");
  auto fields = JsonMembers((*outer)[0].second);
  if (!fields.ok()) return InvalidArgument("a delta answer's delta is not an object");
  int64_t from = -1, revision = -1;
  std::string_view sha, digest, steps;
  auto quoted = [](std::string_view v) {
    return v.size() >= 2 && v.front() == '"' && v.back() == '"' ? v.substr(1, v.size() - 2) : std::string_view();
  };
  for (const auto& [k, v] : *fields) {
    if (k == "\"from\"" && !ParseInt(v, from)) return InvalidArgument("delta.from is not an integer");
    if (k == "\"revision\"" && !ParseInt(v, revision)) return InvalidArgument("delta.revision is not an integer");
    if (k == "\"sha256\"") sha = quoted(v);
    if (k == "\"digest\"") digest = quoted(v);
    if (k == "\"steps\"") steps = v;
  }
  if (from < 0 || revision <= from || (sha.empty() && digest.empty()) || steps.empty())
    return InvalidArgument("a delta needs from, revision > from, digest (or sha256) and steps");
  if (from != held.revision)
    return Conflict("a delta from revision " + std::to_string(from) + " onto revision " +
                              std::to_string(held.revision));
  auto list = JsonElements(steps);
  if (!list.ok()) return InvalidArgument("delta.steps is not an array");
  HeldState out{revision, {}, {}, {}};
  std::string_view text = held.text;
  const JsonLayout* layout = &held.layout;
  for (std::string_view step : *list) {
    JsonLayout next;
    auto merged = JsonMerge(text, *layout, step, &next);
    if (!merged.ok()) return Conflict(merged.status().message());
    out.text = std::move(*merged);
    out.layout = std::move(next);
    text = out.text, layout = &out.layout;
  }
  if (list->empty()) out.text = held.text, out.layout = held.layout;
  out.digests = DigestMembers(out.text, out.layout, {held.text, &held.layout, &held.digests});
  if (!digest.empty() ? out.digests.Digest() != digest : crypto::Sha256Hex(out.text) != sha)
    return Conflict("the state merged to revision " + std::to_string(revision) + " is not the cloud's (" +
                    (digest.empty() ? "SHA-256" : "digest") + " differs)");
  return out;
}

}  // namespace isthmus::state
