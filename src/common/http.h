// HTTP/JSON seam shared by every process: a client call that returns a Status
// instead of throwing, and the one place that maps a Status to a Neutron-shaped
// error answer ({"NeutronError": {"type", "message", "detail"}}).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace isthmus {

struct Endpoint {
  std::string host;
  int port = 0;
  bool tls = false;  // https: calls use the process's TLS files (tls.h SetClientTls)
  // Parses "https://central:9696" or "http://127.0.0.1:9696" (http without a scheme).
  static Result<Endpoint> Parse(const std::string& url);
  std::string ToString() const {
    return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port);
  }
};

struct HttpReply {
  int status = 0;
  nlohmann::json body;  // null when the body is empty or not JSON
  std::string raw;
  httplib::Headers headers;
};

// One request. Transport failures are Unavailable; any HTTP status is returned
// as a reply (the caller decides what a 4xx means). timeout_ms bounds connect,
// read and write. An https endpoint is called with this process's certificate,
// and its own certificate must be the federation CA's, for its host name.
Result<HttpReply> HttpCall(const Endpoint& ep, const std::string& method, const std::string& path,
                           const nlohmann::json* body = nullptr, int timeout_ms = 5000,
                           const httplib::Headers& headers = {});

// Calls to one endpoint over one kept-alive connection (a TLS handshake once,
// not per call). Not thread-safe: one per thread. With kIdempotent, a call
// that fails at once on a connection kept from before (the server closed it
// meanwhile) is made once more on a new one: only for idempotent requests.
class HttpSession {
 public:
  enum class Retry { kIdempotent, kNever };
  explicit HttpSession(Endpoint ep, int timeout_ms = 5000, Retry retry = Retry::kIdempotent);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;
  const Endpoint& endpoint() const { return ep_; }
  // timeout_ms > 0: this call's bound instead of the session's (a long-poll's).
  Result<HttpReply> Call(const std::string& method, const std::string& path, const nlohmann::json* body = nullptr,
                         const httplib::Headers& headers = {}, int timeout_ms = 0);

 private:
  Endpoint ep_;
  int timeout_ms_;
  Retry retry_;
  std::unique_ptr<httplib::ClientImpl> client_;
};

// Converts a non-2xx reply into a Status carrying the peer's message.
Status ReplyStatus(const HttpReply& reply);

int HttpStatusFor(Code code);
// Writes status as a Neutron error: {"NeutronError": {"type": ..., "message": ..., "detail": ""}}.
void WriteError(httplib::Response& res, const Status& status);
void WriteJson(httplib::Response& res, int http_status, const nlohmann::json& body);
// Parses a request body as a JSON object; a clear InvalidArgument otherwise.
Result<nlohmann::json> ParseJsonBody(const httplib::Request& req);

}  // namespace isthmus
