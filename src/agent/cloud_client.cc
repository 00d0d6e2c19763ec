#include "agent/cloud_client.h"

#include "common/log.h"

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
  std::string path = "/v1/hosts/" + host + "/state?after=" + std::to_string(after) +
                     "&wait=" + std::to_string(wait_s) + "&applied=" + std::to_string(applied);
  auto reply = HttpCall(cloud_, "GET", path, nullptr, (wait_s + 10) * 1000);
  if (!reply.ok()) return reply.status();
  if (reply->status == 304) return std::optional<state::HostState>();
  ISTHMUS_RETURN_IF_ERROR(ReplyStatus(*reply));
  // Checked whole before any of it reaches a flow or a tool: an invalid state
  // is refused and the data plane keeps its last good programming.
  auto s = state::ParseHostState(reply->body);
  if (!s.ok()) {
    LOG_ERROR("refusing the host state of " << host << " from the cloud: " << s.status().message());
    return s.status();
  }
  return std::optional<state::HostState>(std::move(*s));
}

Status CloudClient::ReportApplied(const std::string& host, int64_t revision) {
  nlohmann::json body = {{"applied", {{"revision", revision}}}};
  auto reply = HttpCall(cloud_, "POST", "/v1/hosts/" + host + "/applied", &body, 5000);
  if (!reply.ok()) return reply.status();
  return ReplyStatus(*reply);
}

}  // namespace isthmus::agent
