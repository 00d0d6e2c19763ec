// The admin API: jobs (central's pushes to the clouds, one outbox row each) and
// resource routings (which cloud holds which resource, and whether it is in
// sync). docs/architecture.md, "Central API".
#include <cstdlib>

#include "central/api.h"
#include "central/request.h"
#include "common/http.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

json JobView(const Job& j) {
  return {{"id", j.event.seq},
          {"cloud", j.event.cloud},
          {"cloud_seq", j.event.cloud_seq},
          {"resource_type", j.event.kind},
          {"resource_id", j.event.id},
          {"operation", j.event.op},
          {"status", j.status},
          {"attempts", j.attempts},
          {"last_error", j.last_error.empty() ? json(nullptr) : json(j.last_error)},
          {"created_at", j.created_at},
          {"updated_at", j.updated_at}};
}

json RoutingsView(const std::vector<Service::Routing>& rs) {
  json out = json::array();
  for (const auto& r : rs)
    out.push_back({{"top_id", r.top_id},
                   {"bottom_id", r.bottom_id},
                   {"cloud", r.cloud},
                   {"resource_type", r.resource_type},
                   {"status", r.status}});
  return out;
}

Result<int64_t> PositiveInt(const std::string& name, const std::string& text) {
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v <= 0)
    return InvalidArgument(name + " must be a positive integer, not '" + text + "'");
  return static_cast<int64_t>(v);
}

template <typename F>
void Answer(httplib::Response& res, F&& make) {
  auto r = make();
  if (!r.ok()) return WriteError(res, r.status());
  WriteJson(res, 200, *r);
}

}  // namespace

void InstallAdminRoutes(HttpServer& server, Service& s, Pusher& pusher,
                        std::function<Status(const httplib::Request&)> admin_only) {
  (void)pusher;  // redo commits an event; the commit wakes the cloud's pusher
  server.Get("/v2.0/jobs", [&s, admin_only](const httplib::Request& req, httplib::Response& res) {
    Answer(res, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      JobFilter f;
      f.cloud = req.get_param_value("cloud");
      f.status = req.get_param_value("status");
      f.kind = req.get_param_value("resource_type");
      f.id = req.get_param_value("resource_id");
      if (!f.status.empty() && f.status != "NEW" && f.status != "RUNNING" && f.status != "SUCCESS" &&
          f.status != "FAIL")
        return InvalidArgument("status must be NEW, RUNNING, SUCCESS or FAIL, not '" + f.status + "'");
      if (req.has_param("limit")) {
        auto limit = PositiveInt("limit", req.get_param_value("limit"));
        if (!limit.ok()) return limit.status();
        f.limit = *limit;
      }
      auto jobs = s.ListJobs(f);
      if (!jobs.ok()) return jobs.status();
      json list = json::array();
      for (const auto& j : *jobs) list.push_back(JobView(j));
      return json{{"jobs", list}};
    });
  });
  server.Get(R"(/v2.0/jobs/([^/]+))", [&s, admin_only](const httplib::Request& req, httplib::Response& res) {
    Answer(res, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      auto seq = PositiveInt("job id", req.matches[1]);
      if (!seq.ok()) return NotFound("Job " + req.matches[1].str() + " could not be found");
      auto j = s.GetJob(*seq);
      if (!j.ok()) return j.status();
      return json{{"job", JobView(*j)}};
    });
  });
  // {"job": {"action": "redo"}}: a new job (new seq, same cloud) with the resource's current state.
  server.Put(R"(/v2.0/jobs/([^/]+))", [&s, admin_only](const httplib::Request& req, httplib::Response& res) {
    Answer(res, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      auto seq = PositiveInt("job id", req.matches[1]);
      if (!seq.ok()) return NotFound("Job " + req.matches[1].str() + " could not be found");
      auto body = ParseJsonBody(req);
      if (!body.ok()) return body.status();
      auto r = Request::Parse(*body, "job", {"action"});
      if (!r.ok()) return r.status();
      auto action = r->RequiredString("action");
      if (!action.ok()) return action.status();
      if (*action != "redo") return InvalidArgument("action must be redo, not '" + *action + "'");
      auto j = s.RedoJob(*seq);
      if (!j.ok()) return j.status();
      return json{{"job", JobView(*j)}};
    });
  });

  server.Get("/v2.0/routings", [&s, admin_only](const httplib::Request& req, httplib::Response& res) {
    Answer(res, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      auto rs = s.ListRoutings(req.get_param_value("cloud"), req.get_param_value("resource_type"),
                               req.get_param_value("top_id"));
      if (!rs.ok()) return rs.status();
      return json{{"routings", RoutingsView(*rs)}};
    });
  });
  server.Get(R"(/v2.0/routings/([^/]+))", [&s, admin_only](const httplib::Request& req, httplib::Response& res) {
    Answer(res, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      auto rs = s.ListRoutings("", "", req.matches[1]);
      if (!rs.ok()) return rs.status();
      if (rs->empty()) return NotFound("No routing for resource " + req.matches[1].str());
      return json{{"routings", RoutingsView(*rs)}};
    });
  });
}

}  // namespace isthmus::central
