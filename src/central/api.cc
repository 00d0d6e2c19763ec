#include "central/api.h"


#include "central/access.h"
#include "central/availability_zones.h"
#include "central/extensions.h"
#include "central/identity_api.h"
#include "central/central_metrics.h"
#include "central/list_response.h"
#include "central/listing.h"
#include "central/quota.h"
#include "central/status_report.h"
#include "central/tags_api.h"

#include "common/crypto.h"
#include "common/http.h"
#include "common/log.h"
#include "common/identities.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

// WriteError, with Neutron's OverQuota type for a quota refusal.
void WriteApiError(httplib::Response& res, const Status& st) {
  if (!IsOverQuota(st)) return WriteError(res, st);
  WriteJson(res, 409, {{"NeutronError", {{"type", "OverQuota"}, {"message", st.message()}, {"detail", ""}}}});
}

template <typename F>
void Respond(httplib::Response& res, int code, F&& make) {
  auto r = make();
  if (!r.ok()) return WriteApiError(res, r.status());
  WriteJson(res, code, *r);
}

// Neutron's quota API (quota.h): admins read and write every project's quotas;
// a member reads its own project's.
void InstallQuotaRoutes(HttpServer& server, Service& s,
                        const std::function<Caller(const httplib::Request&)>& who) {
  auto may_read = [who](const httplib::Request& req, const std::string& project) -> Status {
    Caller c = who(req);
    if (c.admin || c.project_id == project) return Status::Ok();
    return Status(Code::kForbidden, "Non-admin is not authorised to access quotas for another project");
  };
  auto admin_only = [who](const httplib::Request& req) -> Status {
    return who(req).admin ? Status::Ok() : Status(Code::kForbidden, "only an admin may change or list quotas");
  };
  auto view = [](const std::string& project, const QuotaSet& q) {
    json v = QuotaView(q);
    v["project_id"] = project;
    v["tenant_id"] = project;
    return v;
  };
  server.Get("/v2.0/quotas", [&s, admin_only, view](const httplib::Request& req, httplib::Response& res) {
    Respond(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      json list = json::array();
      for (const auto& [project, q] : s.ListQuotas()) list.push_back(view(project, q));
      return json{{"quotas", list}};
    });
  });
  server.Get(R"(/v2.0/quotas/([^/]+)/default)", [&s, may_read](const httplib::Request& req, httplib::Response& res) {
    Respond(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(may_read(req, req.matches[1]));
      return json{{"quota", QuotaView(DefaultQuotas())}};
    });
  });
  server.Get(R"(/v2.0/quotas/([^/]+))", [&s, may_read](const httplib::Request& req, httplib::Response& res) {
    Respond(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(may_read(req, req.matches[1]));
      return json{{"quota", QuotaView(s.QuotaOf(req.matches[1]))}};
    });
  });
  server.Put(R"(/v2.0/quotas/([^/]+))", [&s, admin_only](const httplib::Request& req, httplib::Response& res) {
    Respond(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      auto body = ParseJsonBody(req);
      if (!body.ok()) return body.status();
      auto q = s.SetQuota(req.matches[1], *body);
      if (!q.ok()) return q.status();
      return json{{"quota", QuotaView(*q)}};
    });
  });
  server.Delete(R"(/v2.0/quotas/([^/]+))", [&s, admin_only](const httplib::Request& req, httplib::Response& res) {
    Status st = admin_only(req);
    if (st.ok()) st = s.DeleteQuota(req.matches[1]);
    if (!st.ok()) return WriteError(res, st);
    res.status = 204;
  });
}

using Who = std::function<Caller(const httplib::Request&)>;
using Check = std::function<Status(const httplib::Request&)>;
using BaseUrl = std::function<std::string(const HttpRequest&)>;

// Version discovery and Keystone's token calls (identity.h).
void InstallIdentityRoutes(HttpServer& server, Identity* identity, const Who& who, const BaseUrl& base_url) {
  server.Get("/", [base_url](const HttpRequest& req, httplib::Response& res) {
    WriteJson(res, 200, {{"versions",
                          {{{"id", "v2.0"},
                            {"status", "CURRENT"},
                            {"links", {{{"rel", "self"}, {"href", base_url(req) + "/v2.0/"}}}}}}}});
  });
  server.Get(R"(/v3/?)", [base_url](const HttpRequest& req, httplib::Response& res) {
    WriteJson(res, 200,
              {{"version",
                {{"id", "v3.14"},
                 {"status", "stable"},
                 {"updated", "2020-04-07T00:00:00Z"},
                 {"links", {{{"rel", "self"}, {"href", base_url(req) + "/v3/"}}}},
                 {"media-types", {{{"base", "application/json"},
                                   {"type", "application/vnd.openstack.identity-v3+json"}}}}}}});
  });
  server.Post("/v3/auth/tokens", [identity, base_url](const HttpRequest& req, httplib::Response& res) {
    if (!identity) return WriteError(res, InvalidArgument("authentication is off on this central"));
    auto body = ParseJsonBody(req);
    if (!body.ok()) return WriteError(res, body.status());
    auto issued = identity->IssueToken(*body, base_url(req));
    if (!issued.ok()) return WriteError(res, issued.status());
    res.set_header("X-Subject-Token", issued->token);
    WriteJson(res, 201, issued->body);
  });
  server.Get("/v3/auth/tokens", [identity](const HttpRequest& req, httplib::Response& res) {
    auto c = identity ? identity->Validate(req.get_header_value("X-Subject-Token"))
                      : Result<Caller>(NotFound("authentication is off"));
    if (!c.ok()) return WriteError(res, NotFound("Could not find token"));
    res.set_header("X-Subject-Token", req.get_header_value("X-Subject-Token"));
    WriteJson(res, 200, {{"token", {{"user", {{"id", c->user_id}, {"name", c->user_name}}},
                                    {"project", {{"id", c->project_id}, {"name", c->project_name}}},
                                    {"roles", c->roles}}}});
  });
  // Revocation, as Keystone: the caller's X-Auth-Token, the token to revoke in
  // X-Subject-Token; 204, then that token is refused everywhere.
  server.Delete("/v3/auth/tokens", [identity, who](const HttpRequest& req, httplib::Response& res) {
    if (!identity) return WriteError(res, NotFound("authentication is off on this central"));
    Status st = identity->Revoke(req.get_header_value("X-Subject-Token"), who(req));
    if (!st.ok()) return WriteError(res, st);
    res.status = 204;
  });
  // Neutron's v2.0 document: its resources, each with its collection's link.
  server.Get(R"(/v2.0/?)", [base_url](const HttpRequest& req, httplib::Response& res) {
    json resources = json::array();
    auto add = [&](const std::string& name, const std::string& collection) {
      resources.push_back({{"name", name}, {"collection", collection},
                           {"links", {{{"rel", "self"}, {"href", base_url(req) + "/v2.0/" + collection}}}}});
    };
    for (const auto& t : kKinds)
      if (t.neutron) add(t.body, t.plural);
    add("agent", "agents");
    add("extension", "extensions");
    add("quota", "quotas");
    WriteJson(res, 200, {{"resources", resources}});
  });
}

// Neutron's agents: every host a cloud reported, as the agent that wires it
// (its cloud is its availability zone; alive from its last contact, as its
// cloud reports it: status_report.h). Admins only; a member's list is empty,
// as Neutron's policy answers it.
void InstallAgentRoutes(HttpServer& server, Service& s, const Who& who) {
  auto view = [&s](const model::Host& h) { return AgentView(s, h); };
  server.Get("/v2.0/agents", [&s, who, view](const HttpRequest& req, httplib::Response& res) {
    json list = json::array();
    if (who(req).admin)
      for (const auto& h : s.ListHosts()) {
        json a = view(h);
        if (Matches(req, a)) list.push_back(SelectFields(req, a));
      }
    WriteJson(res, 200, {{"agents", list}});
  });
  server.Get(R"(/v2.0/agents/([^/]+))", [&s, who, view](const HttpRequest& req, httplib::Response& res) {
    if (who(req).admin)
      for (const auto& h : s.ListHosts())
        if (json a = view(h); a["id"] == req.matches[1].str())
          return WriteJson(res, 200, {{"agent", SelectFields(req, a)}});
    WriteError(res, NotFound("Agent " + req.matches[1].str() + " could not be found"));
  });
}

// Clouds (the federation's members): made and deleted by an admin.
void InstallCloudRoutes(HttpServer& server, Service& s, Pusher& pusher, const Who& who, const Check& admin_only) {
  server.Post("/v2.0/clouds", [&, admin_only](const HttpRequest& req, httplib::Response& res) {
    Respond(res, 201, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      auto body = ParseJsonBody(req);
      if (!body.ok()) return body.status();
      auto c = s.CreateCloud(*body);
      if (!c.ok()) return c.status();
      pusher.Refresh();
      return json{{"cloud", *c}};
    });
  });
  // Members see the clouds' names (for availability_zone_hints), never their endpoints.
  auto cloud_view = [who](const httplib::Request& req, json cloud) {
    if (!who(req).admin) cloud.erase("endpoint");
    return cloud;
  };
  server.Get("/v2.0/clouds", [&, cloud_view](const HttpRequest& req, httplib::Response& res) {
    json list = json::array();
    for (const auto& c : s.ListClouds()) list.push_back(cloud_view(req, c));
    WriteJson(res, 200, {{"clouds", list}});
  });
  server.Get(R"(/v2.0/clouds/([^/]+))", [&, cloud_view](const HttpRequest& req, httplib::Response& res) {
    Respond(res, 200, [&]() -> Result<json> {
      auto c = s.GetCloud(req.matches[1]);
      if (!c.ok()) return c.status();
      return json{{"cloud", cloud_view(req, *c)}};
    });
  });
  server.Delete(R"(/v2.0/clouds/([^/]+))", [&, admin_only](const HttpRequest& req, httplib::Response& res) {
    Status st = admin_only(req);
    if (st.ok()) st = s.DeleteCloud(req.matches[1]);
    if (!st.ok()) return WriteError(res, st);
    res.status = 204;
  });
}

// A cloud's reports on /v2.0/clouds/{cloud}/{what}: an admin's call and, with
// TLS, made with that cloud's own certificate. `answer` gives the body's
// member for the parsed request body; `what` names the report in errors.
void InstallCloudReport(HttpServer& server, const std::string& path, const std::string& what,
                        const Check& admin_only, bool cloud_certs,
                        std::function<Result<json>(const HttpRequest&, const json&)> answer) {
  server.Put(R"(/v2.0/clouds/([^/]+)/)" + path, [=](const HttpRequest& req, httplib::Response& res) {
    Respond(res, 200, [&]() -> Result<json> {
      ISTHMUS_RETURN_IF_ERROR(admin_only(req));
      if (cloud_certs && req.peer != identities::Cloud(req.matches[1]))
        return Status(Code::kForbidden, "cloud " + req.matches[1].str() + " reports its " + what +
                                            " with its certificate, not '" + req.peer + "'");
      auto body = ParseJsonBody(req);
      if (!body.ok()) return body.status();
      return answer(req, *body);
    });
  });
}

// Clouds, their hosts and sync reports, and the outbox.
void InstallFederationRoutes(HttpServer& server, Service& s, Pusher& pusher, const Who& who,
                             const Check& admin_only, bool cloud_certs) {
  InstallCloudRoutes(server, s, pusher, who, admin_only);
  // A cloud reports its own hosts.
  InstallCloudReport(server, "hosts/([^/]+)", "hosts", admin_only, cloud_certs,
                     [&s](const HttpRequest& req, const json& body) -> Result<json> {
                       ISTHMUS_ASSIGN_OR_RETURN(h, s.PutHost(req.matches[1], req.matches[2], body));
                       return json{{"host", h}};
                     });
  // A cloud tells its applied seq when it starts: {"sync": {"applied_seq": N}};
  // a cloud behind central's acked_seq (or beyond its last event) gets a snapshot.
  InstallCloudReport(server, "sync", "applied seq", admin_only, cloud_certs,
                     [&s](const HttpRequest& req, const json& body) -> Result<json> {
                       const json& sync = body.contains("sync") ? body["sync"] : json();
                       if (!sync.is_object() || !sync.contains("applied_seq") ||
                           !sync["applied_seq"].is_number_integer())
                         return InvalidArgument("expected {\"sync\": {\"applied_seq\": <integer>}}");
                       ISTHMUS_ASSIGN_OR_RETURN(r, s.ReportApplied(req.matches[1], sync["applied_seq"].get<int64_t>()));
                       return json{{"sync", r}};
                     });
  // A cloud's batch of port statuses and host liveness (status_report.h).
  InstallCloudReport(server, "status", "status", admin_only, cloud_certs,
                     [&s](const HttpRequest& req, const json& body) -> Result<json> {
                       ISTHMUS_ASSIGN_OR_RETURN(r, ReportStatus(s, req.matches[1], body));
                       return json{{"status", r}};
                     });
  server.Get("/v2.0/hosts", [&, admin_only](const HttpRequest& req, httplib::Response& res) {
    if (Status st = admin_only(req); !st.ok()) return WriteError(res, st);
    WriteJson(res, 200, {{"hosts", s.ListHosts()}});
  });
  server.Get("/v2.0/outbox", [&, admin_only](const HttpRequest& req, httplib::Response& res) {
    if (Status st = admin_only(req); !st.ok()) return WriteError(res, st);
    WriteJson(res, 200, {{"outbox", s.OutboxStatus()}});
  });
}

// Neutron's revision-if-match: a PUT or DELETE with "If-Match:
// revision_number=N" on a resource the caller sees at another revision is 412
// (and changes nothing). True when it answered.
bool RevisionMismatch(Service& s, const Caller& c, const HttpRequest& req, const std::string& kind,
                      const std::string& id, httplib::Response& res) {
  const std::string header = req.get_header_value("If-Match");
  const std::string prefix = "revision_number=";
  if (header.rfind(prefix, 0) != 0) return false;
  auto item = s.Get(kind, id);
  if (!item.ok() || !Visible(s, c, kind, *item)) return false;  // the call itself answers 404
  const std::string want = header.substr(prefix.size());
  if (want == std::to_string(item->value("revision_number", int64_t{0}))) return false;
  WriteJson(res, 412, {{"NeutronError", {{"type", "RevisionNumberConstraintFailed"},
                                         {"message", "Constrained to " + want + ", but current revision is " +
                                                         std::to_string(item->value("revision_number", int64_t{0}))},
                                         {"detail", ""}}}});
  return true;
}

// Neutron's bulk create, {"<plural>": [{...}, ...]}: every item is checked for
// the caller first, then made in order; if one fails, those already made are
// deleted again (newest first) and the failure is the answer: all or nothing.
Result<json> BulkCreate(Service& s, const Caller& c, const KindTraits& t, const json& body) {
  const std::string collection = CollectionKey(t.kind);
  const json& items = body[collection];
  if (!items.is_array() || items.empty() || body.size() != 1)
    return InvalidArgument("Resources required: a bulk create is {\"" + collection + "\": [{...}, ...]}");
  std::vector<json> requests;
  for (const auto& item : items) {
    if (!item.is_object()) return InvalidArgument("each of " + collection + " must be an object");
    // Each item is the resource's attributes, or (Neutron takes both) wrapped as {"<body key>": {...}}.
    const bool wrapped = item.size() == 1 && item.contains(t.body) && item[t.body].is_object();
    json one = {{t.body, wrapped ? item[t.body] : item}};
    ISTHMUS_RETURN_IF_ERROR(StampProject(c, one, t.body));
    ISTHMUS_RETURN_IF_ERROR(CheckCreate(s, c, t.kind, one));
    requests.push_back(std::move(one));
  }
  json made = json::array();
  for (const auto& one : requests) {
    auto v = s.CreateView(t.kind, one);
    if (v.ok()) {
      made.push_back(*v);
      continue;
    }
    for (auto it = made.rbegin(); it != made.rend(); ++it)
      if (Status undo = s.Delete(t.name, (*it)["id"]); !undo.ok())
        LOG_WARN("bulk create of " << t.plural << ": could not delete " << (*it)["id"].get<std::string>()
                                   << " again: " << undo.message());
    return v.status();
  }
  return json{{collection, made}};
}

// Create, list, show and delete of every Neutron kind.
void InstallResourceRoutes(HttpServer& server, Service& s, const Who& who, const BaseUrl& base_url) {
  // Networks, subnets, ports, routers.
  // name: the kind's (access, reads); singular: its body key; plural: its URL's collection.
  struct Kind {
    std::string name, singular, plural;
    std::function<Result<json>(const json&)> create;
  };
  std::vector<Kind> kinds;
  for (const auto& t : kKinds)
    if (t.neutron)
      kinds.push_back({t.name, t.body, t.plural, [&s, t](const json& b) { return s.CreateView(t.kind, b); }});
  for (const auto& k : kinds) {
    std::string base = "/v2.0/" + k.plural;
    server.Post(base, [&s, k, who](const HttpRequest& req, httplib::Response& res) {
      Respond(res, 201, [&]() -> Result<json> {
        auto body = ParseJsonBody(req);
        if (!body.ok()) return body.status();
        Caller c = who(req);
        const KindTraits& t = Traits(*KindNamed(k.name));
        if (body->is_object() && body->contains(CollectionKey(t.kind)) && !body->contains(k.singular))
          return BulkCreate(s, c, t, *body);
        ISTHMUS_RETURN_IF_ERROR(StampProject(c, *body, k.singular));
        ISTHMUS_RETURN_IF_ERROR(CheckCreate(s, c, t.kind, *body));
        auto v = k.create(*body);
        if (!v.ok()) return v.status();
        return json{{k.singular, *v}};
      });
    });
    server.Get(base, [&s, k, who, base_url](const HttpRequest& req, httplib::Response& res) {
      // Sent in pieces (chunked): memory holds one piece of a long list.
      auto provider = ListProvider(s, who(req), *KindNamed(k.name), req, base_url(req));
      if (!provider.ok()) return WriteApiError(res, provider.status());
      res.status = 200;
      res.set_chunked_content_provider("application/json", std::move(*provider));
    });
    server.Get(base + R"(/([^/]+))", [&s, k, who](const HttpRequest& req, httplib::Response& res) {
      Respond(res, 200, [&]() -> Result<json> {
        ISTHMUS_RETURN_IF_ERROR(MayUse(s, who(req), k.name, req.matches[1], true));
        auto m = s.Get(k.name, req.matches[1]);
        if (!m.ok()) return m.status();
        return json{{k.singular, SelectFields(req, View(s, *KindNamed(k.name), *m))}};
      });
    });
    server.Delete(base + R"(/([^/]+))", [&s, k, who](const HttpRequest& req, httplib::Response& res) {
      if (RevisionMismatch(s, who(req), req, k.name, req.matches[1], res)) return;
      Status st = MayUse(s, who(req), k.name, req.matches[1]);
      if (st.ok()) st = CheckDelete(s, who(req), k.name, req.matches[1]);
      if (st.ok()) st = s.Delete(k.name, req.matches[1]);
      if (!st.ok()) return WriteError(res, st);
      res.status = 204;
    });
  }
}

// add_router_interface and remove_router_interface.
void InstallInterfaceRoutes(HttpServer& server, Service& s, const Who& who) {
  auto interface = [&](bool add) {
    return [&s, add, who](const HttpRequest& req, httplib::Response& res) {
      Respond(res, 200, [&]() -> Result<json> {
        auto body = ParseJsonBody(req);
        if (!body.ok()) return body.status();
        Caller c = who(req);
        ISTHMUS_RETURN_IF_ERROR(Service::CheckInterfaceBody(*body));
        ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "router", req.matches[1]));
        // Adding needs the subnet the caller's own (403 otherwise). Removing
        // needs it only visible, as Neutron: the router's owner removes any of
        // its interfaces, and a subnet it has none on is 404, whoever owns it.
        if (body->is_object() && body->contains("subnet_id") && (*body)["subnet_id"].is_string())
          ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "subnet", (*body)["subnet_id"], !add));
        if (body->is_object() && body->contains("port_id") && (*body)["port_id"].is_string())
          ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "port", (*body)["port_id"], !add));
        auto i = add ? s.AddRouterInterface(req.matches[1], *body)
                     : s.RemoveRouterInterface(req.matches[1], *body);
        if (!i.ok()) return i.status();
        return json{{"id", i->router_id},         {"subnet_id", i->subnet_id},
                    {"subnet_ids", {i->subnet_id}}, {"port_id", i->port_id},
                    {"network_id", i->network_id}, {"tenant_id", i->project_id},
                    {"project_id", i->project_id}};
      });
    };
  };
  server.Put(R"(/v2.0/routers/([^/]+)/add_router_interface)", interface(true));
  server.Put(R"(/v2.0/routers/([^/]+)/remove_router_interface)", interface(false));
  // extraroute-atomic: {"router": {"routes": [...]}} added or removed; the router's view.
  auto extra_routes = [&](bool add) {
    return [&s, add, who](const HttpRequest& req, httplib::Response& res) {
      Respond(res, 200, [&]() -> Result<json> {
        auto body = ParseJsonBody(req);
        if (!body.ok()) return body.status();
        ISTHMUS_RETURN_IF_ERROR(MayUse(s, who(req), "router", req.matches[1]));
        auto r = s.ChangeExtraRoutes(req.matches[1], *body, add);
        if (!r.ok()) return r.status();
        return json{{"router", RouterView(s, s.Find<model::Router>(r->id).value_or(*r))}};
      });
    };
  };
  server.Put(R"(/v2.0/routers/([^/]+)/add_extraroutes)", extra_routes(true));
  server.Put(R"(/v2.0/routers/([^/]+)/remove_extraroutes)", extra_routes(false));
}

// Updates (PUT).
void InstallUpdateRoutes(HttpServer& server, Service& s, const Who& who) {
  // Updates of networks, subnets, ports and security groups (routers and
  // floating IPs below); rules are never updated (400, as Neutron).
  auto update = [&](const std::string& kind) {
    return [&s, kind, who](const HttpRequest& req, httplib::Response& res) {
      if (RevisionMismatch(s, who(req), req, kind, req.matches[1], res)) return;
      Respond(res, 200, [&]() -> Result<json> {
        auto body = ParseJsonBody(req);
        if (!body.ok()) return body.status();
        Caller c = who(req);
        ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, kind, req.matches[1]));
        ISTHMUS_RETURN_IF_ERROR(CheckUpdate(s, c, *KindNamed(kind), *body));
        auto view = s.UpdateView(*KindNamed(kind), req.matches[1], *body);
        if (!view.ok()) return view.status();
        return json{{Traits(*KindNamed(kind)).body, *view}};
      });
    };
  };
  server.Put(R"(/v2.0/networks/([^/]+))", update("network"));
  server.Put(R"(/v2.0/subnets/([^/]+))", update("subnet"));
  server.Put(R"(/v2.0/ports/([^/]+))", update("port"));
  server.Put(R"(/v2.0/security-groups/([^/]+))", update("securitygroup"));
  server.Put(R"(/v2.0/security-group-rules/([^/]+))", update("securitygrouprule"));

  server.Put(R"(/v2.0/routers/([^/]+))", [&, who](const HttpRequest& req, httplib::Response& res) {
    if (RevisionMismatch(s, who(req), req, "router", req.matches[1], res)) return;
    Respond(res, 200, [&]() -> Result<json> {
      auto body = ParseJsonBody(req);
      if (!body.ok()) return body.status();
      Caller c = who(req);
      ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "router", req.matches[1]));
      const json* gw = body->is_object() && body->contains("router") && (*body)["router"].is_object() &&
                               (*body)["router"].contains("external_gateway_info")
                           ? &(*body)["router"]["external_gateway_info"]
                           : nullptr;
      if (gw && gw->is_object() && gw->contains("network_id") && (*gw)["network_id"].is_string())
        ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "network", (*gw)["network_id"], true));
      auto r = s.UpdateRouter(req.matches[1], *body);
      if (!r.ok()) return r.status();
      return json{{"router", RouterView(s, s.Find<model::Router>(r->id).value_or(*r))}};
    });
  });
  server.Put(R"(/v2.0/floatingips/([^/]+))", [&, who](const HttpRequest& req, httplib::Response& res) {
    if (RevisionMismatch(s, who(req), req, "floatingip", req.matches[1], res)) return;
    Respond(res, 200, [&]() -> Result<json> {
      auto body = ParseJsonBody(req);
      if (!body.ok()) return body.status();
      Caller c = who(req);
      ISTHMUS_RETURN_IF_ERROR(MayUse(s, c, "floatingip", req.matches[1]));
      const json* in = body->is_object() && body->contains("floatingip") ? &(*body)["floatingip"] : nullptr;
      if (in && in->is_object() && in->contains("port_id") && (*in)["port_id"].is_string())
        ISTHMUS_RETURN_IF_ERROR(MayAssociatePort(s, c, (*in)["port_id"]));
      auto f = s.UpdateFloatingIp(req.matches[1], *body);
      if (!f.ok()) return f.status();
      return json{{"floatingip", FloatingIpView(s, s.Find<model::FloatingIp>(f->id).value_or(*f))}};
    });
  });
}

}  // namespace

void InstallRoutes(HttpServer& server, Service& s, Pusher& pusher, Identity* identity,
                   const std::string& self_url, bool cloud_certs) {
  // Authentication: every call but version discovery and token issue carries
  // a valid X-Auth-Token; the caller it stands for decides what it may see.
  auto caller_of = [identity](const httplib::Request& req) -> Result<Caller> {
    if (!identity) return Caller{"admin", "admin", "admin", "admin", {"admin"}, true};
    std::string token = req.get_header_value("X-Auth-Token");
    if (token.empty()) return Status(Code::kUnauthorized, "The request you have made requires authentication.");
    return identity->Validate(token);
  };
  server.SetPreRouting([caller_of](const HttpRequest& req, httplib::Response& res) {
    bool open = (req.method == "GET" && (req.path == "/" || req.path == "/v3" || req.path == "/v3/")) ||
                (req.method == "POST" && req.path == "/v3/auth/tokens") ||
                (req.path == "/metrics" && req.peer == identities::kOperator);  // Prometheus, docs/trust.md
    if (open) return false;
    auto c = caller_of(req);
    // Keystone's reader role alone reads, as Neutron's policy: it may only end its own token.
    if (c.ok() && c->roles == std::vector<std::string>{"reader"} && req.method != "GET" && req.method != "HEAD" &&
        !(req.method == "DELETE" && req.path == "/v3/auth/tokens")) {
      WriteError(res, Status(Code::kForbidden, "the reader role may only read"));
      return true;
    }
    if (c.ok()) return false;
    WriteError(res, c.status());
    res.set_header("WWW-Authenticate", "Keystone uri=\"" + std::string("/v3") + "\"");
    return true;
  });
  // The caller of an authenticated request (the pre-routing handler let it in).
  auto who = [caller_of](const httplib::Request& req) { return *caller_of(req); };
  auto admin_only = [who](const httplib::Request& req) -> Status {
    return who(req).admin ? Status::Ok() : Status(Code::kForbidden, "this call is for admins only");
  };
  auto base_url = [self_url](const HttpRequest& req) {
    if (!self_url.empty()) return self_url;
    std::string host = req.get_header_value("Host");
    return (req.secure ? "https://" : "http://") + (host.empty() ? std::string("127.0.0.1:9696") : host);
  };

  ServeCentralMetrics(server, s, [caller_of](const HttpRequest& req) -> Status {
    if (req.peer == identities::kOperator) return Status::Ok();
    auto c = caller_of(req);
    if (!c.ok()) return c.status();
    return c->admin ? Status::Ok() : Status(Code::kForbidden, "/metrics is for admins and operator certificates");
  });
  InstallIdentityRoutes(server, identity, who, base_url);
  if (identity) InstallKeystoneAdminRoutes(server, *identity, who, base_url);
  InstallAvailabilityZoneRoutes(server, s);
  InstallExtensionRoutes(server);
  InstallFederationRoutes(server, s, pusher, who, admin_only, cloud_certs);
  InstallAgentRoutes(server, s, who);
  InstallResourceRoutes(server, s, who, base_url);
  InstallUpdateRoutes(server, s, who);
  InstallTagRoutes(server, s, who);
  InstallInterfaceRoutes(server, s, who);
  InstallQuotaRoutes(server, s, who);
  InstallAdminRoutes(server, s, pusher, admin_only);
}

}  // namespace isthmus::central
