#include "central/quota.h"

#include "central/federation.h"
#include "central/list_index.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {
constexpr char kOverQuotaPrefix[] = "Quota exceeded for resources: ";

// "-1", "0", "42": an optional minus and 1 to 12 digits.
bool IsDecimal(const std::string& s) {
  size_t start = !s.empty() && s[0] == '-' ? 1 : 0;
  size_t digits = s.size() - start;
  return digits >= 1 && digits <= 12 && s.find_first_not_of("0123456789", start) == std::string::npos;
}
}  // namespace

Result<QuotaSet> ParseQuotaUpdate(const json& body) {
  if (!body.is_object() || !body.contains("quota") || !body["quota"].is_object())
    return InvalidArgument("request body must be {\"quota\": {...}}");
  QuotaSet out;
  for (const auto& [k, v] : body["quota"].items()) {
    if (!DefaultQuotas().count(k)) return InvalidArgument("Unrecognized attribute(s) '" + k + "' for quota");
    int64_t limit = 0;
    if (v.is_number_integer()) {
      limit = v.get<int64_t>();
    } else if (v.is_string() && IsDecimal(v.get_ref<const std::string&>())) {
      limit = std::stoll(v.get<std::string>());
    } else {
      return InvalidArgument("Invalid input for " + k + ". Reason: '" + v.dump() + "' is not an integer.");
    }
    if (limit < kUnlimited)
      return InvalidArgument("Invalid input for " + k + ". Reason: '" + std::to_string(limit) +
                             "' is smaller than the minimum of '-1'.");
    if (limit > kMaxQuota)  // Neutron's limits are 32-bit integers
      return InvalidArgument("Invalid input for " + k + ". Reason: '" + std::to_string(limit) +
                             "' is larger than the maximum of '" + std::to_string(kMaxQuota) + "'.");
    out[k] = limit;
  }
  return out;
}

Status OverQuota(const std::string& resource) {
  return Conflict(std::string(kOverQuotaPrefix) + "['" + resource + "'].");
}

bool IsOverQuota(const Status& status) {
  return status.code() == Code::kConflict && status.message().rfind(kOverQuotaPrefix, 0) == 0;
}

json QuotaView(const QuotaSet& limits) {
  json q = json::object();
  for (const auto& [k, v] : limits) q[k] = v;
  return q;
}

// The Federation's quotas: the cache mirrors the quotas table (only projects set
// apart from the defaults have rows).

QuotaSet Federation::QuotaOf(const std::string& project) {
  std::lock_guard<std::mutex> lock(mu_);
  return QuotaOfLocked(project);
}

QuotaSet Federation::QuotaOfLocked(const std::string& project) const {
  QuotaSet q = DefaultQuotas();
  if (auto it = quotas_.find(project); it != quotas_.end())
    for (const auto& [k, v] : it->second) q[k] = v;
  return q;
}

std::map<std::string, QuotaSet> Federation::ListQuotas() {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, QuotaSet> out;
  for (const auto& [project, set] : quotas_) out[project] = QuotaOfLocked(project);
  return out;
}

Result<QuotaSet> Federation::SetQuota(const std::string& project, const QuotaSet& update) {
  ISTHMUS_FRESH(SetQuota(project, update));
  std::lock_guard<std::mutex> lock(mu_);
  QuotaSet rows = quotas_.count(project) ? quotas_[project] : QuotaSet{};
  for (const auto& [k, v] : update) {
    if (v == DefaultQuotas().at(k)) rows.erase(k);  // back to the default: no row
    else rows[k] = v;
  }
  Change c;
  c.m.quota_sets.push_back({project, rows});
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  return QuotaOfLocked(project);
}

Status Federation::DeleteQuota(const std::string& project) {
  ISTHMUS_FRESH(DeleteQuota(project));
  std::lock_guard<std::mutex> lock(mu_);
  if (!quotas_.count(project)) return Status::Ok();  // already the defaults
  Change c;
  c.m.quota_sets.push_back({project, {}});
  return Apply(c);
}

// What a project holds of a resource, counted up to `cap` (a create only needs
// to know whether it is below its limit). Ports: its instance ports only;
// central's own network:* ports (DHCP, router interfaces and gateways, SNAT,
// floating IP and fg ports) count against nobody's port quota. Walks the
// project's ids in the list index, so a check costs at most the project's
// quota, whatever the number of resources of other projects.
int64_t Federation::UsageLocked(const std::string& resource, const std::string& project, int64_t cap) const {
  int64_t n = 0;
  store_.ForEachKind([&](const auto& map) {
    using T = ModelIn<std::decay_t<decltype(map)>>;
    if constexpr (requires(const T& r) { r.project_id; }) {
      if (resource != Traits(KindOf<T>).body) return;
      const IdSource source{"project_id", {project}};
      std::string after;
      constexpr size_t kBatch = 256;
      while (n < cap) {
        auto ids = store_.Lists().Walk(KindOf<T>, source, after, false, kBatch);
        for (const auto& id : ids) {
          if constexpr (std::is_same_v<T, model::Port>) {
            auto it = map.find(id);
            n += it != map.end() && it->second.IsInstance();
          } else {
            ++n;
          }
        }
        if (ids.size() < kBatch) break;
        after = ids.back();
      }
    }
  });
  return n;
}

Status Federation::CheckQuotaLocked(const std::string& resource, const std::string& project) const {
  int64_t limit = QuotaOfLocked(project).at(resource);
  if (limit == kUnlimited || UsageLocked(resource, project, limit) < limit) return Status::Ok();
  return OverQuota(resource);
}

}  // namespace isthmus::central
