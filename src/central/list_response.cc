#include "central/list_response.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "central/access.h"
#include "central/list_index.h"
#include "central/listing.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

std::string Dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// The filters an index answers, most selective first (a resource's own ids before a shared network's).
constexpr std::array<const char*, 9> kIndexOrder = {"fixed_ips.ip_address", "device_id", "fixed_ips.subnet_id",
                                                    "binding:host_id", "security_group_id", "network_id",
                                                    "project_id", "tenant_id", "device_owner"};

// The candidates of a list: the ids of the most selective indexed filter, or
// the caller's project for kinds only their project sees, or every id.
IdSource SourceFor(Kind kind, const httplib::Request& req, const Caller& c) {
  for (const char* filter : kIndexOrder) {
    std::string name = filter, attribute = filter == std::string("tenant_id") ? "project_id" : filter;
    if (!ListIndex::Indexed(kind, attribute)) continue;
    IdSource source{attribute, {}};
    if (name.rfind("fixed_ips.", 0) == 0) {
      const std::string prefix = name.substr(10) + "=";
      auto range = req.params.equal_range("fixed_ips");
      for (auto it = range.first; it != range.second; ++it)
        if (it->second.rfind(prefix, 0) == 0) source.values.push_back(it->second.substr(prefix.size()));
    } else {
      auto range = req.params.equal_range(name);
      for (auto it = range.first; it != range.second; ++it) source.values.push_back(it->second);
    }
    if (!source.values.empty()) return source;
  }
  // A member sees only its project's resources of such kinds (access.h).
  if (!c.admin && Traits(kind).own_project_only) return {"project_id", {c.project_id}};
  return {};
}

// The items of one list: the visible resources passing the filters, walked in id order.
template <typename T>
class Walker {
 public:
  Walker(Service& s, const Caller& c, const httplib::Request& req, size_t batch)
      : s_(s), c_(c), req_(req), source_(SourceFor(KindOf<T>, req, c)), batch_(batch) {}

  // f(id, view) for each item after `after` ("": from the start), in id order
  // (descending: from the largest), until f returns false.
  template <typename F>
  void Each(const std::string& after, bool descending, F&& f) {
    std::string cursor = after;
    for (;;) {
      std::vector<T> batch = s_.ListBatch<T>(source_, cursor, descending, batch_);
      for (const T& m : batch) {
        if (!VisibleTo(m)) continue;
        json view = central::ViewOf(s_, m);
        if (Matches(req_, view) && !f(m.id, view)) return;
      }
      if (batch.size() < batch_) return;
      cursor = batch.back().id;
    }
  }
  // Whether the item `id` is in the list (a marker must be).
  bool Holds(const std::string& id) {
    auto m = s_.Find<T>(id);
    return m && VisibleTo(*m) && Matches(req_, central::ViewOf(s_, *m));
  }
  std::optional<json> ViewOf(const std::string& id) {
    auto m = s_.Find<T>(id);
    if (!m) return std::nullopt;
    return central::ViewOf(s_, *m);
  }

 private:
  bool VisibleTo(const T& m) {
    return c_.admin || m.project_id == c_.project_id || Visible(s_, c_, Name(KindOf<T>), json(m));
  }
  Service& s_;
  const Caller& c_;
  const httplib::Request& req_;
  IdSource source_;
  size_t batch_;
};

// The body being written: {"<plural>":[item,...] then the links.
struct Body {
  std::string text;
  size_t items = 0;
  void Add(const std::string& item) {
    text += items++ ? "," : "";
    text += item;
  }
};

struct Window {
  std::string first, last;  // ids of the page's first and last items
};

// Ordered by id: walks from the marker, stops at limit + 1.
template <typename T>
Window PageById(Walker<T>& w, const httplib::Request& req, const ListControls& ctl, Body& body) {
  Window win;
  const bool desc = !ctl.ascending[0];
  const size_t limit = static_cast<size_t>(ctl.limit);
  auto note = [&](const std::string& id) {
    if (win.first.empty()) win.first = id;
    win.last = id;
  };
  if (!ctl.reverse) {
    w.Each(ctl.marker, desc, [&](const std::string& id, const json& view) {
      if (limit > 0 && body.items == limit) return false;
      note(id);
      body.Add(Dump(SelectFields(req, view)));
      return true;
    });
  } else if (limit == 0) {  // everything before the marker
    w.Each("", desc, [&](const std::string& id, const json& view) {
      if (id == ctl.marker) return false;
      note(id);
      body.Add(Dump(SelectFields(req, view)));
      return true;
    });
  } else {  // the `limit` items before the marker, walked away from it
    std::vector<std::pair<std::string, std::string>> page;
    w.Each(ctl.marker, !desc, [&](const std::string& id, const json& view) {
      if (page.size() == limit) return false;
      page.emplace_back(id, Dump(SelectFields(req, view)));
      return true;
    });
    for (auto it = page.rbegin(); it != page.rend(); ++it) {
      note(it->first);
      body.Add(it->second);
    }
  }
  return win;
}

// Any other order: every item's sort values and id, sorted, then the page's items.
template <typename T>
Result<Window> PageSorted(Walker<T>& w, const httplib::Request& req, const ListControls& ctl, Body& body) {
  struct Entry {
    std::vector<json> keys;  // the sort keys' values (id last)
    std::string id;
  };
  std::vector<Entry> all;
  w.Each("", false, [&](const std::string& id, const json& view) {
    Entry e{{}, id};
    for (const auto& k : ctl.sort_keys) e.keys.push_back(view.value(k, json()));
    all.push_back(std::move(e));
    return true;
  });
  std::stable_sort(all.begin(), all.end(), [&](const Entry& a, const Entry& b) {
    for (size_t i = 0; i < a.keys.size(); ++i) {
      if (SortLess(a.keys[i], b.keys[i])) return bool(ctl.ascending[i]);
      if (SortLess(b.keys[i], a.keys[i])) return !ctl.ascending[i];
    }
    return false;
  });
  size_t begin = 0, end = all.size();
  if (!ctl.marker.empty()) {
    auto m = std::find_if(all.begin(), all.end(), [&](const Entry& e) { return e.id == ctl.marker; });
    if (m == all.end()) return NotFound("Marker " + ctl.marker + " could not be found");
    size_t at = static_cast<size_t>(m - all.begin());
    if (ctl.reverse) end = at;
    else begin = at + 1;
  }
  const size_t limit = static_cast<size_t>(ctl.limit);
  if (limit > 0 && end - begin > limit) {
    if (ctl.reverse) begin = end - limit;
    else end = begin + limit;
  }
  Window win;
  if (begin < end) win.first = all[begin].id, win.last = all[end - 1].id;
  for (size_t i = begin; i < end; ++i)
    if (auto v = w.ViewOf(all[i].id)) body.Add(Dump(SelectFields(req, *v)));
  return win;
}

// The state of one list being sent: owns what the walk reads (the request, the caller).
template <typename T>
struct ListState {
  ListState(Service& s, const Caller& c, const httplib::Request& r, ListControls controls, std::string base)
      : req(r), caller(c), ctl(std::move(controls)), base_url(std::move(base)),
        walker(s, caller, req, ctl.limit > 0 ? std::clamp<size_t>(ctl.limit + 1, 64, 512) : 512),
        plural(CollectionKey(KindOf<T>)), cursor(ctl.marker) {}
  const httplib::Request req;
  const Caller caller;
  const ListControls ctl;
  const std::string base_url;
  Walker<T> walker;
  const std::string plural;
  std::string cursor;  // the id of the last item sent
  Window win;
  size_t items = 0;
  bool started = false;

  std::string Head() { return "{\"" + plural + "\":["; }
  std::string Tail(size_t count) {
    std::string text = "]";
    if (ctl.limit > 0)  // Neutron links only pages of a limit (PageLinks)
      text += ",\"" + plural + "_links\":" + PageLinks(req, base_url, win.first, win.last, count, ctl);
    return text + "}";
  }
  // The next piece of a list in id order without a limit; true when it was the last.
  bool NextPiece(std::string& out) {
    Body body;
    body.items = items;  // a comma before every item but the list's first
    if (!started) body.text = Head(), started = true;
    size_t added = 0;
    bool full = false;
    walker.Each(cursor, !ctl.ascending[0], [&](const std::string& id, const json& view) {
      if (added == kPieceItems) return !(full = true);
      if (win.first.empty()) win.first = id;
      win.last = cursor = id;
      body.Add(Dump(SelectFields(req, view)));
      ++added;
      return true;
    });
    items = body.items;
    if (!full) body.text += Tail(items);
    out = std::move(body.text);
    return !full;
  }
  // A page, or any order but id: the whole body.
  Result<std::string> Whole() {
    Body body;
    body.text = Head();
    if (ctl.ById()) {
      win = PageById(walker, req, ctl, body);
    } else {
      ISTHMUS_ASSIGN_OR_RETURN(sorted, PageSorted(walker, req, ctl, body));
      win = sorted;
    }
    body.text += Tail(body.items);
    return std::move(body.text);
  }
};

template <typename T>
Result<httplib::ContentProviderWithoutLength> ProviderOf(Service& s, const Caller& c, const httplib::Request& req,
                                                         const std::string& base_url) {
  ISTHMUS_ASSIGN_OR_RETURN(ctl, ParseControls(req));
  if (!ctl.ById()) ISTHMUS_RETURN_IF_ERROR(CheckSortKeys(ctl, ViewOf(s, T{})));
  ISTHMUS_RETURN_IF_ERROR(CheckFilters(req));
  auto state = std::make_shared<ListState<T>>(s, c, req, ctl, base_url);
  if (ctl.ById() && !ctl.marker.empty() && !state->walker.Holds(ctl.marker))
    return NotFound("Marker " + ctl.marker + " could not be found");
  if (ctl.ById() && !ctl.reverse && ctl.limit == 0) {
    return httplib::ContentProviderWithoutLength([state](size_t, httplib::DataSink& sink) {
      std::string piece;
      const bool last = state->NextPiece(piece);
      sink.write(piece.data(), piece.size());
      if (last) sink.done();
      return true;
    });
  }
  // Bounded by its limit, or sorted by other keys (which must see every item first).
  ISTHMUS_ASSIGN_OR_RETURN(whole, state->Whole());
  auto body = std::make_shared<std::string>(std::move(whole));
  return httplib::ContentProviderWithoutLength([body](size_t, httplib::DataSink& sink) {
    sink.write(body->data(), body->size());
    sink.done();
    return true;
  });
}

}  // namespace

Result<httplib::ContentProviderWithoutLength> ListProvider(Service& s, const Caller& c, Kind kind,
                                                           const httplib::Request& req,
                                                           const std::string& base_url) {
  // As Neutron: a project's first list of its groups makes its default group,
  // also an admin's list of another project's (?project_id= or ?tenant_id=).
  if (kind == Kind::kSecurityGroup) {
    std::string project = c.project_id;
    for (const char* filter : {"project_id", "tenant_id"})
      if (c.admin && req.has_param(filter) && IsValidId(req.get_param_value(filter)))
        project = req.get_param_value(filter);
    ISTHMUS_RETURN_IF_ERROR(s.EnsureDefaultSecurityGroup(project));
  }
  std::optional<Result<httplib::ContentProviderWithoutLength>> out;
  ForEachKindType([&](auto type) {
    using T = typename decltype(type)::type;
    if constexpr (requires(T m) { m.project_id; }) {
      if (KindOf<T> == kind && Traits(kind).neutron) out = ProviderOf<T>(s, c, req, base_url);
    }
  });
  if (!out) return NotFound("Unknown resource kind " + Name(kind));
  return std::move(*out);
}

Result<std::string> ListBody(Service& s, const Caller& c, Kind kind, const httplib::Request& req,
                             const std::string& base_url) {
  ISTHMUS_ASSIGN_OR_RETURN(provider, ListProvider(s, c, kind, req, base_url));
  std::string text;
  bool done = false;
  httplib::DataSink sink;
  sink.write = [&](const char* data, size_t n) {
    text.append(data, n);
    return true;
  };
  sink.done = [&] { done = true; };
  while (!done)
    if (!provider(text.size(), sink)) return Internal("list provider failed");
  return text;
}

}  // namespace isthmus::central
