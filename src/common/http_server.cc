#include "common/http_server.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "common/http.h"
#include "common/log.h"
#include "common/memory.h"

namespace isthmus {
namespace {

struct BodyStream;

// One piece of a streamed body, made by a worker for the loop thread.
struct Piece {
  std::string data;
  bool last = false;    // the provider called sink.done() (or failed)
  bool failed = false;  // the provider returned false: the body is cut short
};

// Answers finished on any thread, handed to the loop thread; Reply callables
// hold it, so one that outlives the server finds it closed and does nothing.
struct ReplyQueue {
  std::mutex mu;
  bool open = true;
  event* wake = nullptr;  // the loop's event that drains `done` and `pieces`
  std::vector<std::pair<evhttp_request*, httplib::Response>> done;
  std::vector<std::pair<BodyStream*, Piece>> pieces;

  void Push(evhttp_request* req, httplib::Response res) {
    std::lock_guard<std::mutex> lock(mu);
    if (!open) return;
    done.emplace_back(req, std::move(res));
    event_active(wake, EV_READ, 0);  // thread-safe: evthread_use_pthreads()
  }
  void Push(BodyStream* stream, Piece piece) {
    std::lock_guard<std::mutex> lock(mu);
    if (!open) return;  // the server is stopping: the stream is freed with it
    pieces.emplace_back(stream, std::move(piece));
    event_active(wake, EV_READ, 0);
  }
};

// An answer whose body comes from a content provider
// (httplib::Response::set_chunked_content_provider), sent with chunked
// transfer encoding. The provider runs on a worker, one call per piece, and
// the next piece is asked for only once the previous one has left the
// connection's buffer: however large the body, the server holds about one
// piece of it. Touched by the loop thread only, except `res` and `offset`,
// which the one worker making a piece uses while `producing` is set.
struct BodyStream {
  HttpServer::Impl* impl = nullptr;
  evhttp_request* ev = nullptr;
  evhttp_connection* conn = nullptr;
  httplib::Response res;
  size_t offset = 0;
  bool producing = false;
  // A piece was handed to the connection and its drain callback is awaited.
  // libevent calls the connection's write callback whenever its output drains,
  // which a TLS connection may do more than once per piece: only the first
  // call asks for the next piece.
  bool draining = false;
  bool last_sent = false;
  bool gone = false;      // the connection closed before the body ended
  bool ev_ours = false;   // then: libevent left the request for us to free
};

void UseThreads() {
  static std::once_flag once;
  std::call_once(once, [] {
    evthread_use_pthreads();
    // Each connection is a descriptor: long-polling agents and idle clients
    // must not run the process out of them at 1,024.
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      setrlimit(RLIMIT_NOFILE, &lim);
    }
  });
}

std::string Decode(const std::string& text, bool plus_is_space) {
  size_t len = 0;
  char* d = evhttp_uridecode(text.c_str(), plus_is_space ? 1 : 0, &len);
  if (!d) return text;
  std::string out(d, len);
  std::free(d);
  return out;
}

void ParseQuery(const std::string& query, httplib::Params& params) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string part = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string key = Decode(part.substr(0, eq), true);
      std::string value = eq == std::string::npos ? "" : Decode(part.substr(eq + 1), true);
      params.emplace(std::move(key), std::move(value));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
}

// Bodies this large are handed to libevent as they are (not copied), and
// their memory is given back to the system once sent (a list of 100k ports).
constexpr size_t kLargeBody = 1 << 20;

void FreeLargeBody(const void*, size_t, void* text) {
  delete static_cast<std::string*>(text);
  ReleaseFreeMemory();
}

void AddBody(evbuffer* buffer, std::string body) {
  if (body.size() < kLargeBody) {
    if (!body.empty()) evbuffer_add(buffer, body.data(), body.size());
    return;
  }
  auto* kept = new std::string(std::move(body));
  evbuffer_add_reference(buffer, kept->data(), kept->size(), &FreeLargeBody, kept);
}

const char* MethodName(evhttp_cmd_type cmd) {
  switch (cmd) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return nullptr;
  }
}

// The fixed start of an ECMAScript pattern: the characters before the first
// one with a meaning other than itself or "." (any character: "/v2.0/"), less
// the last if a quantifier follows it ("/a?" may match "/"). Conservative: a
// shorter prefix only means more regex calls. None with an alternative ("a|b").
std::string FixedStart(const std::string& pattern) {
  static const std::string kSpecial = "\\^$|?*+()[]{}";
  if (pattern.find('|') != std::string::npos) return "";
  size_t n = 0;
  while (n < pattern.size() && kSpecial.find(pattern[n]) == std::string::npos) ++n;
  if (n < pattern.size() && n > 0 && std::string("?*{").find(pattern[n]) != std::string::npos) --n;
  return pattern.substr(0, n);
}

// Whether path may match a pattern starting with `start` (FixedStart).
bool MayMatch(const std::string& path, const std::string& start) {
  if (path.size() < start.size()) return false;
  for (size_t i = 0; i < start.size(); ++i)
    if (start[i] != path[i] && start[i] != '.') return false;
  return true;
}

}  // namespace

struct HttpServer::Impl {
  HttpServer* self = nullptr;
  HttpServerOptions options;
  event_base* base = nullptr;
  evhttp* http = nullptr;
  SslCtx ssl_ctx;
  std::shared_ptr<ReplyQueue> replies = std::make_shared<ReplyQueue>();
  std::set<BodyStream*> streams;  // loop thread; freed with the server if unfinished
  std::vector<event*> signal_events;
  std::vector<std::string> route_starts;  // FixedStart of each route's pattern, in routes_'s order
  event* stop_event = nullptr;  // activated by Stop(), from any thread, even before Run()

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  bool stopping = false;
  std::vector<std::thread> workers;

  void Enqueue(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu);
      tasks.push_back(std::move(task));
    }
    cv.notify_one();
  }

  // No more answers are sent; each worker finishes the request it holds.
  void StopWorkers() {
    {
      std::lock_guard<std::mutex> lock(replies->mu);
      replies->open = false;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
    for (auto& t : workers) t.join();
    workers.clear();
  }

  void Work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || !tasks.empty(); });
        if (stopping) return;
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();
    }
  }

  // Loop thread: a complete request (head and body read, limits checked).
  static void OnRequest(evhttp_request* ev, void* arg) {
    auto* impl = static_cast<Impl*>(arg);
    const char* method = MethodName(evhttp_request_get_command(ev));
    if (!method) return evhttp_send_error(ev, 405, nullptr);
    auto req = std::make_shared<HttpRequest>();
    req->method = method;
    req->version = "HTTP/1.1";
    std::string uri = evhttp_request_get_uri(ev);
    req->target = uri;
    size_t q = uri.find('?');
    req->path = Decode(uri.substr(0, q), false);
    if (q != std::string::npos) ParseQuery(uri.substr(q + 1), req->params);
    evkeyvalq* headers = evhttp_request_get_input_headers(ev);
    for (evkeyval* kv = headers->tqh_first; kv; kv = kv->next.tqe_next) req->headers.emplace(kv->key, kv->value);
    evbuffer* in = evhttp_request_get_input_buffer(ev);
    req->body.resize(evbuffer_get_length(in));
    if (!req->body.empty()) evbuffer_remove(in, req->body.data(), req->body.size());
    evhttp_connection* conn = evhttp_request_get_connection(ev);
    if (conn) {
      char* addr = nullptr;
      ev_uint16_t port = 0;
      evhttp_connection_get_peer(conn, &addr, &port);
      if (addr) req->remote_addr = addr;
      req->remote_port = port;
      req->secure = impl->ssl_ctx != nullptr;
      if (req->secure)
        req->peer = PeerIdentity(bufferevent_openssl_get_ssl(evhttp_connection_get_bufferevent(conn)));
    }
    // Exactly one answer per request, whichever thread gives it.
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Reply reply = [queue = impl->replies, ev, answered](httplib::Response res) {
      if (!answered->exchange(true)) queue->Push(ev, std::move(res));
    };
    auto received = std::chrono::steady_clock::now();
    impl->Enqueue([impl, req, reply, received] { impl->self->Dispatch(req, reply, received); });
  }

  // Loop thread: sends the answers and the pieces the workers finished.
  static void OnReplies(evutil_socket_t, short, void* arg) {
    auto* impl = static_cast<Impl*>(arg);
    std::vector<std::pair<evhttp_request*, httplib::Response>> done;
    std::vector<std::pair<BodyStream*, Piece>> pieces;
    {
      std::lock_guard<std::mutex> lock(impl->replies->mu);
      done.swap(impl->replies->done);
      pieces.swap(impl->replies->pieces);
    }
    for (auto& [ev, res] : done) {
      evkeyvalq* out = evhttp_request_get_output_headers(ev);
      for (const auto& [k, v] : res.headers) evhttp_add_header(out, k.c_str(), v.c_str());
      if (res.content_provider_ && evhttp_request_get_command(ev) != EVHTTP_REQ_HEAD &&
          evhttp_request_get_connection(ev)) {
        impl->StartStream(ev, std::move(res));
        continue;
      }
      evbuffer* body = evbuffer_new();
      AddBody(body, std::move(res.body));
      // A request whose client went away is only freed by this call.
      evhttp_send_reply(ev, res.status, nullptr, body);
      evbuffer_free(body);
    }
    for (auto& [stream, piece] : pieces) impl->SendPiece(stream, std::move(piece));
  }

  // ---- Streamed bodies (BodyStream), all on the loop thread.
  void StartStream(evhttp_request* ev, httplib::Response res) {
    auto* stream = new BodyStream{this, ev, evhttp_request_get_connection(ev), std::move(res)};
    streams.insert(stream);
    evhttp_send_reply_start(ev, stream->res.status, nullptr);
    evhttp_connection_set_closecb(stream->conn, &Impl::OnStreamClosed, stream);
    MakePiece(stream);
  }

  void MakePiece(BodyStream* stream) {
    if (stream->producing) return;
    stream->producing = true;
    Enqueue([stream, queue = replies] {
      Piece piece;
      httplib::DataSink sink;
      sink.write = [&piece](const char* data, size_t n) {
        piece.data.append(data, n);
        return true;
      };
      sink.done = [&piece] { piece.last = true; };
      sink.is_writable = [] { return true; };
      try {
        piece.failed = !stream->res.content_provider_(stream->offset, 0, sink);
      } catch (const std::exception& e) {
        LOG_ERROR("streamed body failed: " << e.what());
        piece.failed = true;
      }
      piece.last = piece.last || piece.failed;
      stream->offset += piece.data.size();
      queue->Push(stream, std::move(piece));
    });
  }

  void SendPiece(BodyStream* stream, Piece piece) {
    stream->producing = false;
    if (stream->gone) return EndStream(stream);
    if (!piece.data.empty()) {
      evbuffer* chunk = evbuffer_new();
      AddBody(chunk, std::move(piece.data));
      // Called once the piece left the connection's buffer; never if the
      // connection closes first (OnStreamClosed is called then).
      // Every piece, the last too, is awaited: the reply is ended only once the
      // last piece left (ending it at once lost bodies over TLS: a drain
      // notification of an earlier write finished the request before the last
      // chunk was written; HttpServerTlsTest.StreamedBodiesArriveWhole).
      stream->draining = true;
      stream->last_sent = piece.last;
      evhttp_send_reply_chunk_with_cb(stream->ev, chunk, &Impl::OnPieceSent, stream);
      evbuffer_free(chunk);
      if (!piece.last || !piece.failed) return;
    }
    if (!piece.last) return MakePiece(stream);
    stream->res.content_provider_success_ = !piece.failed;
    if (piece.failed) {
      // Cut short: closed without the last chunk, so the client cannot take
      // the body for whole. Freeing the connection frees the request too.
      evhttp_connection_set_closecb(stream->conn, nullptr, nullptr);
      evhttp_connection_free(stream->conn);
      stream->ev = nullptr;
    }
    EndStream(stream);
  }

  static void OnPieceSent(evhttp_connection*, void* arg) {
    auto* stream = static_cast<BodyStream*>(arg);
    if (!stream->draining) return;
    stream->draining = false;
    if (stream->last_sent) {
      stream->res.content_provider_success_ = true;
      return stream->impl->EndStream(stream);
    }
    stream->impl->MakePiece(stream);
  }

  static void OnStreamClosed(evhttp_connection* conn, void* arg) {
    auto* stream = static_cast<BodyStream*>(arg);
    evhttp_connection_set_closecb(conn, nullptr, nullptr);
    stream->gone = true;
    // Detached from its connection (the answer was not finished): ours to free.
    stream->ev_ours = evhttp_request_get_connection(stream->ev) == nullptr;
    if (!stream->producing) stream->impl->EndStream(stream);
  }

  // Finishes the body (or, the client gone, frees what libevent left us) and frees the stream.
  void EndStream(BodyStream* stream) {
    if (stream->ev) {
      if (!stream->gone) {
        evhttp_connection_set_closecb(stream->conn, nullptr, nullptr);
        evhttp_send_reply_end(stream->ev);
      } else if (stream->ev_ours) {
        evhttp_request_free(stream->ev);
      }
    }
    streams.erase(stream);
    delete stream;
  }

  static bufferevent* MakeTlsConnection(event_base* base, void* arg) {
    auto* impl = static_cast<Impl*>(arg);
    SSL* ssl = SSL_new(impl->ssl_ctx.get());
    bufferevent* bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE);
    if (bev) bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
  }

  static void OnStop(evutil_socket_t, short, void* arg) {
    event_base_loopbreak(static_cast<Impl*>(arg)->base);
  }
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  UseThreads();
  impl_->self = this;
  impl_->options = std::move(options);
  impl_->base = event_base_new();
  impl_->http = evhttp_new(impl_->base);
  evhttp_set_allowed_methods(impl_->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                              EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
                                              EVHTTP_REQ_PATCH);
  evhttp_set_max_headers_size(impl_->http, impl_->options.max_header_bytes);
  evhttp_set_max_body_size(impl_->http, impl_->options.max_body_bytes);
  evhttp_set_timeout(impl_->http, impl_->options.timeout_s);
  evhttp_set_default_content_type(impl_->http, "application/json");
  evhttp_set_gencb(impl_->http, &Impl::OnRequest, impl_.get());
  impl_->replies->wake = event_new(impl_->base, -1, EV_PERSIST, &Impl::OnReplies, impl_.get());
  impl_->stop_event = event_new(impl_->base, -1, 0, &Impl::OnStop, impl_.get());
}

HttpServer::~HttpServer() {
  impl_->StopWorkers();
  for (event* e : impl_->signal_events) event_free(e);
  event_free(impl_->replies->wake);
  event_free(impl_->stop_event);
  if (impl_->http) evhttp_free(impl_->http);
  event_base_free(impl_->base);
}

void HttpServer::Add(const std::string& method, const std::string& pattern, Handler h) {
  routes_.push_back(Route{method, pattern, std::regex(pattern), std::move(h), nullptr});
  impl_->route_starts.push_back(FixedStart(pattern));
}

void HttpServer::GetAsync(const std::string& pattern, AsyncHandler h) {
  routes_.push_back(Route{"GET", pattern, std::regex(pattern), nullptr, std::move(h)});
  impl_->route_starts.push_back(FixedStart(pattern));
}

Result<int> HttpServer::Bind(const std::string& host, int port) {
  if (impl_->options.tls) {
    auto ctx = MakeServerContext(*impl_->options.tls);
    if (!ctx.ok()) return ctx.status();
    impl_->ssl_ctx = std::move(*ctx);
    evhttp_set_bevcb(impl_->http, &Impl::MakeTlsConnection, impl_.get());
  }
  evhttp_bound_socket* bound =
      evhttp_bind_socket_with_handle(impl_->http, host.c_str(), static_cast<ev_uint16_t>(port));
  if (!bound) return Unavailable("cannot listen on " + host + ":" + std::to_string(port));
  // Accepted connections inherit it: an answer in several writes (a TLS record
  // each) must not wait for the client's delayed ACK (40 ms).
  int one = 1;
  setsockopt(evhttp_bound_socket_get_fd(bound), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(evhttp_bound_socket_get_fd(bound), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return Internal("getsockname failed");
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

void HttpServer::Run(bool stop_on_signals) {
  if (stop_on_signals)
    for (int sig : {SIGTERM, SIGINT}) {
      event* e = evsignal_new(impl_->base, sig, &Impl::OnStop, impl_.get());
      event_add(e, nullptr);
      impl_->signal_events.push_back(e);
    }
  for (int i = 0; i < impl_->options.workers; ++i) impl_->workers.emplace_back([this] { impl_->Work(); });
  event_base_dispatch(impl_->base);
  impl_->StopWorkers();
  // Close every connection now (clients see it at once), not when the server is destroyed.
  evhttp_free(impl_->http);
  impl_->http = nullptr;
  // Bodies still being made when the server stopped (their connections are gone).
  for (BodyStream* stream : impl_->streams) {
    if (stream->ev && stream->ev_ours) evhttp_request_free(stream->ev);
    delete stream;
  }
  impl_->streams.clear();
}

void HttpServer::Stop() { event_active(impl_->stop_event, EV_READ, 0); }

void HttpServer::Dispatch(std::shared_ptr<HttpRequest> req, Reply reply,
                          std::chrono::steady_clock::time_point received) {
  httplib::Response res;
  try {
    const std::string& method = req->method == "HEAD" ? std::string("GET") : req->method;
    const Route* found = nullptr;       // path and method match
    const Route* path_match = nullptr;  // the first route whose path matches
    for (size_t i = 0; i < routes_.size(); ++i) {
      const Route& route = routes_[i];
      // Most routes are ruled out by their fixed start: libstdc++'s std::regex
      // costs microseconds a call, and a request tried dozens before its own.
      if (!MayMatch(req->path, impl_->route_starts[i])) continue;
      if (!std::regex_match(req->path, req->matches, route.pattern)) continue;
      if (!path_match) path_match = &route;
      if (route.method == method) {
        found = &route;
        break;
      }
    }
    if (observer_) {  // counted once, whichever thread answers, even after the server is gone
      reply = [observer = observer_, method = req->method, route = path_match ? path_match->text : std::string(),
               reply = std::move(reply), received](httplib::Response res) {
        // Counted before it leaves: a client that saw the answer finds it counted.
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - received;
        (*observer)(method, route, res.status, took.count());
        reply(std::move(res));
      };
    }
    if (pre_routing_ && pre_routing_(*req, res)) return reply(std::move(res));
    if (found) {
      if (found->async) return found->async(*req, reply);
      found->handler(*req, res);
      if (res.status == -1) res.status = 200;
      return reply(std::move(res));
    }
    if (path_match) {
      WriteError(res, InvalidArgument("method " + req->method + " is not allowed on " + req->path));
      res.status = 405;
    } else {
      WriteError(res, NotFound("The resource " + req->path + " could not be found."));
    }
  } catch (const std::exception& e) {
    res = httplib::Response();
    WriteError(res, Internal(e.what()));
  } catch (...) {
    res = httplib::Response();
    WriteError(res, Internal("unexpected error"));
  }
  reply(std::move(res));
}

}  // namespace isthmus
