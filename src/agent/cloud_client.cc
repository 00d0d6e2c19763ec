#include "agent/cloud_client.h"

#include "agent/agent_metrics.h"
#include "common/log.h"
#include "state/host_state_json.h"

namespace isthmus::agent {

Result<model::Host> CloudClient::Register(const std::string& name, const std::string& role,
                                          const std::string& vtep_ip) {
  nlohmann::json body = {{"host", {{"name", name}, {"role", role}, {"vtep_ip", vtep_ip}}}};
  auto reply = HttpCall(cloud_, "POST", "/v1/hosts", &body);
  if (!reply.ok()) return reply.status();
  ISTHMUS_RETURN_IF_ERROR(ReplyStatus(*reply));
  if (!reply->body.is_object() || !reply->body.contains("host"))
    return Internal("cloud answered registration without a host");
  return reply->body["host"].get<model::Host>();
}

Result<std::optional<state::HostState>> CloudClient::WaitState(const std::string& host,
                                                               int64_t after, int wait_s, int64_t applied) {
  bool delta = after > 0 && after == held_.revision && !held_.text.empty();
  std::string path = "/v1/hosts/" + host + "/state?after=" + std::to_string(after) +
                     "&wait=" + std::to_string(wait_s) + "&applied=" + std::to_string(applied) +
                     (delta ? "&delta=2" : "") + "&unchanged=204";
  auto reply = watch_.Call("GET", path, nullptr, {}, (wait_s + 10) * 1000);
  if (!reply.ok()) return reply.status();
  if (reply->status == 204 || reply->status == 304) return std::optional<state::HostState>();
  ISTHMUS_RETURN_IF_ERROR(ReplyStatus(*reply));
  nlohmann::json body;
  if (state::IsDeltaAnswer(reply->raw)) {
    auto merged = state::ApplyDeltaAnswer(held_, reply->raw);
    if (!merged.ok()) {
      // Our base is not the cloud's (or the delta is bad): take the whole state now.
      LOG_WARN("dropping a state delta for " << host << ": " << merged.status().message()
                                             << "; asking for the whole state");
      ++counts_.refused;
      CountStateAnswer("refused");
      held_ = {};
      return WaitState(host, 0, 0, applied);
    }
    ++counts_.delta;
    CountStateAnswer("delta");
    held_ = std::move(*merged);
    body = nlohmann::json::parse(state::WithRevision(held_.text, held_.revision), nullptr, false);
  } else {
    ++counts_.full;
    CountStateAnswer("full");
    body = std::move(reply->body);
  }
  // Checked whole before any of it reaches a flow or a tool: an invalid state
  // is refused and the data plane keeps its last good programming.
  auto s = state::ParseHostState(body);
  if (!s.ok()) {
    held_ = {};
    LOG_ERROR("refusing the host state of " << host << " from the cloud: " << s.status().message());
    return s.status();
  }
  if (!state::IsDeltaAnswer(reply->raw)) held_ = state::HoldFullAnswer(reply->raw, s->revision);
  return std::optional<state::HostState>(std::move(*s));
}

Status CloudClient::ReportApplied(const std::string& host, int64_t revision) {
  nlohmann::json body = {{"applied", {{"revision", revision}}}};
  auto reply = report_.Call("POST", "/v1/hosts/" + host + "/applied", &body);
  if (!reply.ok()) return reply.status();
  return ReplyStatus(*reply);
}

}  // namespace isthmus::agent
