// The HTTP/1.1 server of every isthmus daemon. One libevent loop thread does all
// socket I/O (TLS handshakes included), so a slow, idle or long-polling client
// costs a few kilobytes and never a worker; a complete request runs on a fixed
// pool of worker threads. Handlers answer synchronously, or later from any
// thread (GetAsync: long-polls). Limits (header and body size, inactivity
// timeout) are enforced before a request reaches a handler. docs/architecture.md
// ("HTTP servers") lists the limits each daemon uses.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/tls.h"

namespace isthmus {

// A request as handlers see it: httplib's request (path, params, headers, body,
// matches of the route's pattern) and the peer's verified TLS identity.
struct HttpRequest : httplib::Request {
  // The common name of the client certificate that the federation CA verified,
  // e.g. "central", "cloud/cloud1", "host/cloud1/c1-h1"; empty without one.
  std::string peer;
  bool secure = false;  // the request came over TLS
};

struct HttpServerOptions {
  int workers = 8;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1 << 20;
  // A connection that sends or accepts nothing for this long is closed: covers
  // the TLS handshake, a request's head and body, and idle keep-alive.
  int timeout_s = 10;
  // TLS: every connection is TLS when set; client certificates are verified
  // against the CA, and required when tls->require_client_cert.
  std::optional<TlsServerConfig> tls;
};

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, httplib::Response&)>;
  // Call exactly once, from any thread; after the server stopped it does nothing.
  using Reply = std::function<void(httplib::Response)>;
  using AsyncHandler = std::function<void(const HttpRequest&, Reply)>;
  // Runs before routing on a worker; true when it answered (authentication).
  using PreRouting = std::function<bool(const HttpRequest&, httplib::Response&)>;
  // Told of every answer, on the thread that gives it: the method, the pattern
  // of the route whose path matched ("" when none did), the status and the
  // seconds since the request was complete (common/metrics.h counts them).
  using Observer = std::function<void(const std::string& method, const std::string& route, int status,
                                      double seconds)>;

  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes: the whole path must match the pattern (std::regex); the first
  // registered match wins. An unknown path is a NeutronError 404, a known path
  // with another method 405, an exception in a handler a 500.
  void Get(const std::string& pattern, Handler h) { Add("GET", pattern, std::move(h)); }
  void Post(const std::string& pattern, Handler h) { Add("POST", pattern, std::move(h)); }
  void Put(const std::string& pattern, Handler h) { Add("PUT", pattern, std::move(h)); }
  void Delete(const std::string& pattern, Handler h) { Add("DELETE", pattern, std::move(h)); }
  void Patch(const std::string& pattern, Handler h) { Add("PATCH", pattern, std::move(h)); }
  void GetAsync(const std::string& pattern, AsyncHandler h);
  void SetPreRouting(PreRouting pre) { pre_routing_ = std::move(pre); }
  // Before Run().
  void SetObserver(Observer observer) { observer_ = std::make_shared<const Observer>(std::move(observer)); }

  // Binds host:port (0: any free port) and returns the port. Before Run().
  [[nodiscard]] Result<int> Bind(const std::string& host, int port);
  // Serves until Stop() or, when stop_on_signals, SIGTERM or SIGINT. Returns
  // once the loop ended and every worker finished its request.
  void Run(bool stop_on_signals = false);
  // From any thread (not from a signal handler: use Run(true)).
  void Stop();

  struct Impl;

 private:
  struct Route {
    std::string method;
    std::string text;  // the pattern as registered
    std::regex pattern;
    Handler handler;
    AsyncHandler async;
  };
  void Add(const std::string& method, const std::string& pattern, Handler h);
  friend struct Impl;
  void Dispatch(std::shared_ptr<HttpRequest> req, Reply reply, std::chrono::steady_clock::time_point received);

  std::vector<Route> routes_;
  PreRouting pre_routing_;
  std::shared_ptr<const Observer> observer_;  // answers may outlive the server
  std::unique_ptr<Impl> impl_;
};

}  // namespace isthmus
