#include "common/http.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "common/tls.h"

namespace isthmus {

Result<Endpoint> Endpoint::Parse(const std::string& url) {
  std::string rest = url;
  bool tls = false;
  if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  } else if (rest.rfind("https://", 0) == 0) {
    rest = rest.substr(8);
    tls = true;
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return InvalidArgument("'" + url + "' is not an endpoint (expected http://host:port)");
  Endpoint ep;
  ep.tls = tls;
  ep.host = rest.substr(0, colon);
  std::string port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return InvalidArgument("'" + url + "' has no valid port");
  ep.port = std::stoi(port);
  if (ep.port <= 0 || ep.port > 65535) return InvalidArgument("'" + url + "' has no valid port");
  return ep;
}

namespace {

// timeout_ms bounds connect, read and write.
void SetTimeouts(httplib::ClientImpl& client, int timeout_ms) {
  auto sec = timeout_ms / 1000, usec = (timeout_ms % 1000) * 1000;
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
}

// A client for one endpoint: TLS with this process's files for https.
Result<std::unique_ptr<httplib::ClientImpl>> MakeClient(const Endpoint& ep, int timeout_ms) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (ep.tls) {
    TlsFiles tls = ClientTls();
    if (tls.empty()) return InvalidArgument(ep.ToString() + " is https but this process has no TLS files");
    auto ssl = std::make_unique<httplib::SSLClient>(ep.host, ep.port, tls.cert, tls.key);
    ssl->set_ca_cert_path(tls.ca.c_str());
    ssl->enable_server_certificate_verification(true);
    if (!ssl->is_valid()) return InvalidArgument("TLS certificate " + tls.cert + " or key " + tls.key + " is unusable");
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(ep.host, ep.port);
  }
  // cpp-httplib sends a request's headers and its body in two writes: with
  // Nagle on, the body waits for the peer's delayed ACK (~40 ms) on every
  // POST and PUT (central's pushes to clouds, agents' reports).
  client->set_tcp_nodelay(true);
  SetTimeouts(*client, timeout_ms);
  return client;
}

bool KnownMethod(const std::string& method) {
  return method == "GET" || method == "POST" || method == "PUT" || method == "DELETE";
}

Result<HttpReply> Send(httplib::ClientImpl& cli, const Endpoint& ep, const std::string& method,
                       const std::string& path, const nlohmann::json* body, const httplib::Headers& headers) {
  std::string payload = body ? body->dump() : std::string();
  httplib::Result r = method == "GET"    ? cli.Get(path, headers)
                      : method == "POST" ? cli.Post(path, headers, payload, "application/json")
                      : method == "PUT"  ? cli.Put(path, headers, payload, "application/json")
                                         : cli.Delete(path, headers);
  if (!r)
    return Unavailable(method + " " + ep.ToString() + path + ": " + httplib::to_string(r.error()));
  HttpReply reply;
  reply.status = r->status;
  reply.raw = r->body;
  reply.headers = r->headers;
  if (!r->body.empty()) reply.body = nlohmann::json::parse(r->body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

}  // namespace

Result<HttpReply> HttpCall(const Endpoint& ep, const std::string& method, const std::string& path,
                           const nlohmann::json* body, int timeout_ms,
                           const httplib::Headers& headers) {
  if (!KnownMethod(method)) return InvalidArgument("unsupported method " + method);
  auto client = MakeClient(ep, timeout_ms);
  if (!client.ok()) return client.status();
  return Send(**client, ep, method, path, body, headers);
}

HttpSession::HttpSession(Endpoint ep, int timeout_ms, Retry retry)
    : ep_(std::move(ep)), timeout_ms_(timeout_ms), retry_(retry) {}
HttpSession::~HttpSession() = default;

Result<HttpReply> HttpSession::Call(const std::string& method, const std::string& path,
                                    const nlohmann::json* body, const httplib::Headers& headers, int timeout_ms) {
  if (!KnownMethod(method)) return InvalidArgument("unsupported method " + method);
  if (timeout_ms <= 0) timeout_ms = timeout_ms_;
  // Twice at most: a kept connection the server closed meanwhile (idle
  // timeout, restart) fails the first try at once; a fresh one is the real
  // answer. A try that failed slowly (a server that does not answer) is not
  // made again.
  for (int attempt = 0;; attempt++) {
    const bool reused = client_ != nullptr;
    const auto started = std::chrono::steady_clock::now();
    if (!client_) {
      auto client = MakeClient(ep_, timeout_ms);
      if (!client.ok()) return client.status();
      client_ = std::move(*client);
      client_->set_keep_alive(true);
    }
    SetTimeouts(*client_, timeout_ms);
    auto reply = Send(*client_, ep_, method, path, body, headers);
    if (reply.ok()) return reply;
    client_.reset();
    const bool quick = std::chrono::steady_clock::now() - started < std::chrono::milliseconds(timeout_ms / 2);
    if (retry_ == Retry::kNever || !reused || attempt > 0 || !quick) return reply;
  }
}

Status ReplyStatus(const HttpReply& reply) {
  if (reply.status >= 200 && reply.status < 300) return Status::Ok();
  std::string msg = reply.raw;
  if (reply.body.is_object() && reply.body.contains("NeutronError"))
    msg = reply.body["NeutronError"].value("message", msg);
  Code code = Code::kInternal;
  switch (reply.status) {
    case 400: code = Code::kInvalidArgument; break;
    case 401: code = Code::kUnauthorized; break;
    case 403: code = Code::kForbidden; break;
    case 404: code = Code::kNotFound; break;
    case 409: code = Code::kConflict; break;
    case 503: code = Code::kUnavailable; break;
    default: break;
  }
  return Status(code, "HTTP " + std::to_string(reply.status) + ": " + msg);
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 400;
    case Code::kUnauthorized: return 401;
    case Code::kForbidden: return 403;
    case Code::kNotFound: return 404;
    case Code::kConflict: return 409;
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

namespace {
const char* NeutronType(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return "BadRequest";
    case Code::kNotFound: return "NotFound";
    case Code::kConflict: return "Conflict";
    case Code::kUnauthorized: return "NotAuthorized";
    case Code::kForbidden: return "PolicyNotAuthorized";
    case Code::kUnavailable: return "ServiceUnavailable";
    default: return "InternalError";
  }
}
}  // namespace

void WriteError(httplib::Response& res, const Status& status) {
  WriteJson(res, HttpStatusFor(status.code()),
            {{"NeutronError",
              {{"type", NeutronType(status.code())}, {"message", status.message()}, {"detail", ""}}}});
}

void WriteJson(httplib::Response& res, int http_status, const nlohmann::json& body) {
  res.status = http_status;
  // Messages may quote a request's path or an ID decoded from it, which can be
  // any bytes (GET /v2.0/clouds/%ff): invalid UTF-8 becomes U+FFFD instead of
  // an exception (a 500).
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

namespace {
// The deepest nesting of arrays and objects in a JSON text (strings skipped).
// nlohmann parses deep documents fine but serializes them recursively, so a
// body like [[[[...100000 levels...]]]] quoted in an error message overflowed
// the stack (found by tests/fuzz).
int JsonDepth(const std::string& text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return deepest;
}
}  // namespace

Result<nlohmann::json> ParseJsonBody(const httplib::Request& req) {
  constexpr int kMaxDepth = 32;
  if (JsonDepth(req.body) > kMaxDepth)
    return InvalidArgument("request body nests deeper than " + std::to_string(kMaxDepth) + " levels");
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return InvalidArgument("request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return j;
}

}  // namespace isthmus
