#include "bench/scale/agents.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <deque>
#include <map>

#include "state/state_delta.h"

namespace isthmus::bench {

struct SimulatedAgents::Agent {
  SimulatedAgents* self = nullptr;
  int index = 0;
  Loop* loop = nullptr;
  evhttp_connection* conn = nullptr;
  int64_t revision = 0;
  bool first_state = false;
  state::HeldState held;  // the state merged so far, for deltas
  bool refetch = false;   // a delta was refused: ask for the whole state now
  void (*done)(Agent&, int, std::string_view) = nullptr;
};

struct SimulatedAgents::Loop {
  event_base* base = nullptr;
  std::thread thread;
  std::deque<int> queue;  // agents waiting to register / to start watching
  int in_flight = 0;
  int max_in_flight = 64;
};

namespace {

using Task = std::function<void()>;

// Runs fn on the loop's thread after delay_ms (event_base_once is thread-safe
// once evthread_use_pthreads ran).
void RunOn(event_base* base, int delay_ms, Task fn) {
  auto* task = new Task(std::move(fn));
  timeval tv{delay_ms / 1000, (delay_ms % 1000) * 1000};
  event_base_once(
      base, -1, EV_TIMEOUT,
      [](evutil_socket_t, short, void* arg) {
        std::unique_ptr<Task> t(static_cast<Task*>(arg));
        (*t)();
      },
      task, &tv);
}

int64_t ParseRevision(std::string_view body) {
  static constexpr std::string_view kKey = "\"revision\":";
  size_t at = body.find(kKey);
  if (at == std::string_view::npos) return -1;
  return std::strtoll(body.data() + at + kKey.size(), nullptr, 10);
}

std::atomic<long> g_logged_errors{0};

void LogError(const std::string& what) {
  if (g_logged_errors++ < 10) std::fprintf(stderr, "agent: %s\n", what.c_str());
}

}  // namespace

SimulatedAgents::SimulatedAgents(std::vector<SimHost> hosts, x509_st* ca, int loops,
                                 StateObserver observer)
    : hosts_(std::move(hosts)), observer_(std::move(observer)) {
  static bool threads_on = evthread_use_pthreads() == 0;
  (void)threads_on;
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  for (int i = 0; i < loops; ++i) {
    auto l = std::make_unique<Loop>();
    l->base = event_base_new();
    loops_.push_back(std::move(l));
  }
  for (size_t i = 0; i < hosts_.size(); ++i) {
    auto a = std::make_unique<Agent>();
    a->self = this;
    a->index = static_cast<int>(i);
    a->loop = loops_[i % loops_.size()].get();
    agents_.push_back(std::move(a));
  }
  for (auto& l : loops_) {
    event_base* base = l->base;
    l->thread = std::thread([base] { event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY); });
  }
}

SimulatedAgents::~SimulatedAgents() {
  stopping_ = true;
  for (auto& l : loops_) event_base_loopbreak(l->base);
  for (auto& l : loops_) l->thread.join();
  for (auto& a : agents_)
    if (a->conn != nullptr) evhttp_connection_free(a->conn);
  for (auto& l : loops_) event_base_free(l->base);
  SSL_CTX_free(ctx_);
}

void SimulatedAgents::Request(Agent& a, const char* method, const std::string& path,
                              const std::string& body, void (*done)(Agent&, int, std::string_view)) {
  const SimHost& h = hosts_[a.index];
  if (a.conn == nullptr) {
    SSL* ssl = SSL_new(ctx_);
    SSL_use_certificate(ssl, h.tls.cert.get());
    SSL_use_PrivateKey(ssl, h.tls.key.get());
    bufferevent* bev = bufferevent_openssl_socket_new(a.loop->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                      BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    a.conn = evhttp_connection_base_bufferevent_new(a.loop->base, nullptr, bev, "127.0.0.1", h.port);
    evhttp_connection_set_timeout(a.conn, wait_s_ + 20);
  }
  a.done = done;
  evhttp_request* req = evhttp_request_new(
      [](evhttp_request* req, void* arg) {
        Agent& a = *static_cast<Agent*>(arg);
        if (a.self->stopping_) return;
        int code = req != nullptr ? evhttp_request_get_response_code(req) : 0;
        if (code == 0) {
          // Transport failure: drop the connection (after this callback) and let done retry.
          evhttp_connection* dead = a.conn;
          a.conn = nullptr;
          if (dead != nullptr) RunOn(a.loop->base, 0, [dead] { evhttp_connection_free(dead); });
          a.done(a, 0, {});
          return;
        }
        evbuffer* in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        const char* data = len > 0 ? reinterpret_cast<const char*>(evbuffer_pullup(in, -1)) : "";
        a.done(a, code, std::string_view(data, len));
      },
      &a);
  evkeyvalq* out = evhttp_request_get_output_headers(req);
  evhttp_add_header(out, "Host", "127.0.0.1");
  if (!body.empty()) {
    evhttp_add_header(out, "Content-Type", "application/json");
    evbuffer_add(evhttp_request_get_output_buffer(req), body.data(), body.size());
  }
  evhttp_make_request(a.conn, req, std::strcmp(method, "POST") == 0 ? EVHTTP_REQ_POST : EVHTTP_REQ_GET,
                      path.c_str());
}

void SimulatedAgents::Retry(Agent& a, void (*again)(Agent&), int delay_ms) {
  Agent* p = &a;
  RunOn(a.loop->base, delay_ms, [p, again] { again(*p); });
}

void SimulatedAgents::NextRegistration(Loop& loop) {
  while (loop.in_flight < loop.max_in_flight && !loop.queue.empty()) {
    Agent& a = *agents_[loop.queue.front()];
    loop.queue.pop_front();
    ++loop.in_flight;
    Retry(a, [](Agent& a) {
      const SimHost& h = a.self->hosts_[a.index];
      std::string body = R"({"host":{"name":")" + h.name + R"(","role":"compute","vtep_ip":")" +
                         h.vtep_ip + R"("}})";
      a.self->Request(a, "POST", "/v1/hosts", body, OnRegistered);
    }, 0);
  }
}

void SimulatedAgents::OnRegistered(Agent& a, int code, std::string_view body) {
  SimulatedAgents& self = *a.self;
  if (code != 200 && code != 201) {
    if (code != 503) {
      ++self.errors_;
      LogError("registering " + self.hosts_[a.index].name + ": HTTP " + std::to_string(code) + " " +
               std::string(body.substr(0, 200)));
    }
    Retry(a, [](Agent& a) {
      const SimHost& h = a.self->hosts_[a.index];
      std::string body = R"({"host":{"name":")" + h.name + R"(","role":"compute","vtep_ip":")" +
                         h.vtep_ip + R"("}})";
      a.self->Request(a, "POST", "/v1/hosts", body, OnRegistered);
    }, code == 503 ? 200 : 1000);
    return;
  }
  // Registered: the connection is closed now (the cloud would close it idle
  // before the watch starts) and a fresh one opened for the long-poll.
  if (a.conn != nullptr) {
    evhttp_connection* c = a.conn;
    a.conn = nullptr;
    RunOn(a.loop->base, 0, [c] { evhttp_connection_free(c); });
  }
  ++self.registered_;
  --a.loop->in_flight;
  self.NextRegistration(*a.loop);
}

bool SimulatedAgents::RegisterAll(int in_flight, Clock::duration timeout) {
  for (auto& l : loops_) {
    Loop* lp = l.get();
    std::vector<int> mine;
    for (auto& a : agents_)
      if (a->loop == lp) mine.push_back(a->index);
    // Round-robin over the clouds: each cloud registers its hosts one at a
    // time (every registration recomputes its hosts), so all clouds work at once.
    std::map<std::string, int> seen;
    std::vector<std::pair<int, int>> order;
    for (int i : mine) order.push_back({seen[hosts_[i].cloud]++, i});
    std::stable_sort(order.begin(), order.end());
    for (size_t k = 0; k < order.size(); ++k) mine[k] = order[k].second;
    RunOn(lp->base, 0, [this, lp, mine, in_flight] {
      lp->max_in_flight = in_flight;
      lp->queue.assign(mine.begin(), mine.end());
      NextRegistration(*lp);
    });
  }
  auto deadline = Clock::now() + timeout;
  while (registered_ < static_cast<int>(hosts_.size()) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return registered_ == static_cast<int>(hosts_.size());
}

void SimulatedAgents::Poll(Agent& a) {
  const SimHost& h = hosts_[a.index];
  bool delta = !a.refetch && a.revision > 0 && a.held.revision == a.revision;
  Request(a, "GET",
          "/v1/hosts/" + h.name + "/state?after=" + std::to_string(a.refetch ? 0 : a.revision) +
              "&wait=" + std::to_string(wait_s_) + (delta ? "&delta=2" : ""),
          "", OnState);
  a.refetch = false;
}

void SimulatedAgents::OnState(Agent& a, int code, std::string_view body) {
  SimulatedAgents& self = *a.self;
  auto now = Clock::now();
  if (code == 304) return self.Poll(a);
  if (code != 200) {
    ++self.errors_;
    LogError("state of " + self.hosts_[a.index].name + ": HTTP " + std::to_string(code) + " " +
             std::string(body.substr(0, 200)));
    return Retry(a, [](Agent& a) { a.self->Poll(a); }, 200);
  }
  int64_t rev = 0;
  std::string_view text = body;
  if (state::IsDeltaAnswer(body)) {
    auto merged = state::ApplyDeltaAnswer(a.held, body);
    if (!merged.ok()) {
      ++self.refused_;
      LogError("delta for " + self.hosts_[a.index].name + " refused: " + merged.status().message());
      a.held = {};
      a.refetch = true;
      return self.Poll(a);
    }
    ++self.delta_;
    a.held = std::move(*merged);
    rev = a.held.revision;
    text = a.held.text;
  } else {
    ++self.full_;
    rev = ParseRevision(body);
    a.held = state::HoldFullAnswer(body, rev);
  }
  if (rev > a.revision) {
    a.revision = rev;
    self.observer_(a.index, rev, text, now);
  }
  if (!a.first_state) {
    a.first_state = true;
    ++self.watching_;
    --a.loop->in_flight;
    Loop& loop = *a.loop;
    while (loop.in_flight < loop.max_in_flight && !loop.queue.empty()) {
      Agent& next = *self.agents_[loop.queue.front()];
      loop.queue.pop_front();
      ++loop.in_flight;
      self.Poll(next);
    }
  }
  self.Poll(a);
}

void SimulatedAgents::StartWatching(int wait_s) {
  wait_s_ = wait_s;
  for (auto& l : loops_) {
    Loop* lp = l.get();
    std::vector<int> mine;
    for (auto& a : agents_)
      if (a->loop == lp) mine.push_back(a->index);
    RunOn(lp->base, 0, [this, lp, mine] {
      lp->in_flight = 0;
      lp->queue.assign(mine.begin(), mine.end());
      while (lp->in_flight < lp->max_in_flight && !lp->queue.empty()) {
        Agent& a = *agents_[lp->queue.front()];
        lp->queue.pop_front();
        ++lp->in_flight;
        Poll(a);
      }
    });
  }
}

}  // namespace isthmus::bench
