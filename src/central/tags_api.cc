// The /tags routes of every taggable kind (standard-attr-tag), with Neutron's
// codes: a tag list is {"tags": [...]}; one tag is addressed in the URL.
#include "central/tags_api.h"

#include "central/access.h"
#include "central/tags.h"
#include "common/http.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

using Who = std::function<Caller(const httplib::Request&)>;

// The tags of the resource `id` of `kind` as the caller may read them.
Result<std::vector<std::string>> TagsOf(Service& s, const Caller& c, Kind kind, const std::string& id) {
  ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, Name(kind), id, /*use_shared=*/true));
  ISTHMUS_ASSIGN_OR_RETURN(item, s.Get(Name(kind), id));
  return item.value("tags", std::vector<std::string>{});
}

// A change the caller may make (its own resource, or an admin), applied.
Result<std::vector<std::string>> Change(Service& s, const Caller& c, Kind kind, const std::string& id,
                                        const TagChange& change) {
  ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, Name(kind), id));
  return s.ChangeTags(kind, id, change);
}

// {"tags": [...]}: the body of PUT and POST .../tags.
Result<std::vector<std::string>> BodyTags(const httplib::Request& req) {
  ISTHMUS_ASSIGN_OR_RETURN(body, ParseJsonBody(req));
  if (!body.is_object() || !body.contains("tags") || body.size() != 1)
    return InvalidArgument("Invalid tags body: expected {\"tags\": [...]}");
  return ParseTags(body["tags"]);
}

void InstallKind(HttpServer& server, Service& s, const Who& who, Kind kind) {
  const std::string base = std::string("/v2.0/") + Traits(kind).plural + "/([^/]+)/tags";
  server.Get(base, [&s, who, kind](const HttpRequest& req, httplib::Response& res) {
    auto tags = TagsOf(s, who(req), kind, req.matches[1]);
    if (!tags.ok()) return WriteError(res, tags.status());
    WriteJson(res, 200, {{"tags", *tags}});
  });
  // PUT replaces every tag (200 with the list), POST adds (201), DELETE removes all (204).
  auto replace_or_add = [&s, who, kind](TagChange::Op op, int code) {
    return [&s, who, kind, op, code](const HttpRequest& req, httplib::Response& res) {
      auto wanted = BodyTags(req);
      if (!wanted.ok()) return WriteError(res, wanted.status());
      auto tags = Change(s, who(req), kind, req.matches[1], {op, *wanted});
      if (!tags.ok()) return WriteError(res, tags.status());
      WriteJson(res, code, {{"tags", *tags}});
    };
  };
  server.Put(base, replace_or_add(TagChange::Op::kReplace, 200));
  server.Post(base, replace_or_add(TagChange::Op::kAdd, 201));
  server.Delete(base, [&s, who, kind](const HttpRequest& req, httplib::Response& res) {
    auto tags = Change(s, who(req), kind, req.matches[1], {TagChange::Op::kReplace, {}});
    if (!tags.ok()) return WriteError(res, tags.status());
    res.status = 204;
  });
  // One tag: 204 if the resource has it (404 otherwise); PUT adds it (201); DELETE removes it (204, 404).
  const std::string one = base + "/([^/]+)";
  server.Get(one, [&s, who, kind](const HttpRequest& req, httplib::Response& res) {
    const std::string tag = req.matches[2];
    Status st = CheckTag(tag);
    auto tags = st.ok() ? TagsOf(s, who(req), kind, req.matches[1]) : Result<std::vector<std::string>>(st);
    if (!tags.ok()) return WriteError(res, tags.status());
    if (std::find(tags->begin(), tags->end(), tag) == tags->end())
      return WriteError(res, NotFound("Tag " + tag + " could not be found"));
    res.status = 204;
  });
  auto one_tag = [&s, who, kind](TagChange::Op op, int code) {
    return [&s, who, kind, op, code](const HttpRequest& req, httplib::Response& res) {
      const std::string tag = req.matches[2];
      if (Status st = CheckTag(tag); !st.ok()) return WriteError(res, st);
      auto tags = Change(s, who(req), kind, req.matches[1], {op, {tag}});
      if (!tags.ok()) return WriteError(res, tags.status());
      res.status = code;
    };
  };
  server.Put(one, one_tag(TagChange::Op::kAdd, 201));
  server.Delete(one, one_tag(TagChange::Op::kRemove, 204));
}

}  // namespace

void InstallTagRoutes(HttpServer& server, Service& s, const Who& who) {
  for (const auto& t : kKinds)
    if (t.neutron && Taggable(t.kind)) InstallKind(server, s, who, t.kind);
}

}  // namespace isthmus::central
