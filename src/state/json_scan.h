// Reading JSON texts without building a tree: the scanning under JsonDiff,
// JsonMerge and EditArrays (state/json_delta.h). Internal to state/.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/json_delta.h"

namespace isthmus::state::json_scan {

using Sv = std::string_view;
using Member = std::pair<Sv, Sv>;  // key (with its quotes), value: raw text
constexpr size_t kNpos = Sv::npos;

size_t SkipWs(Sv t, size_t p);
// t[p] is '"': the index after its closing quote, or kNpos.
size_t SkipString(Sv t, size_t p);
// The end of the value starting at p, or kNpos. Brackets are counted, not
// matched: a text that is not JSON is refused by whoever parses the result.
size_t SkipValue(Sv t, size_t p);
Sv Trim(Sv t);
inline bool IsObject(Sv v) { return !v.empty() && v[0] == '{'; }
inline bool IsArray(Sv v) { return !v.empty() && v[0] == '['; }
// The members of an object's text, in text order; false when it is not one.
bool Members(Sv t, std::vector<Member>& out);
// The elements of an array's text, in order; false when it is not one.
bool Elements(Sv t, std::vector<Sv>& out);
// The value of `key` (with its quotes) among `m`, or empty.
Sv FindMember(const std::vector<Member>& m, Sv key);
// An array's change: {"a":{"del":[...],"ins":[...],"mod":[...]}}, the empty
// lists left out, appended to `out`.
void ArrayChanges(const std::string& del, const std::string& ins, const std::string& mod, std::string& out);
// The members and array elements a layout gives of `text`; false when the
// layout does not fit the text (then the caller scans it).
bool Views(Sv text, const JsonLayout& l, std::vector<Member>& members, std::vector<std::vector<Sv>>& elements);

}  // namespace isthmus::state::json_scan
