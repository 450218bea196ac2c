// The JSON of the web app's read models (app/dashboard_service.hpp), the access records
// (metadata/access_store.hpp) and the live events (app/events/events.hpp), as docs/web.md specifies them.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "app/dashboard_service.hpp"
#include "app/events/events.hpp"
#include "metadata/access_store.hpp"

namespace datasync::app::views {

nlohmann::ordered_json ToJson(const PlanSummary& plan);
nlohmann::ordered_json ToJson(const Overview& overview);
nlohmann::ordered_json ToJson(const sync::SyncTask& task);
// {"run_id", "from_us", "to_us", "width_us", "buckets", "tasks_by_state": {"done": [n per bucket], ...}}
nlohmann::ordered_json ToJson(const RunTimeline& timeline);
nlohmann::ordered_json ToJson(const metadata::AuditEntry& entry);
// {"id", "at_us", "channel", "outcome", "title", "events": [...], "plans": [...], "alerts", "error"}
nlohmann::ordered_json ToJson(const metadata::SentAlert& entry);
nlohmann::ordered_json ToJson(const metadata::ApiToken& token);  // no hash
// {"items": [...], "total", "limit", "offset"}
template <class T>
nlohmann::ordered_json PageJson(const Page<T>& page);
// The data of an SSE event, or null for the events the web app does not stream.
nlohmann::ordered_json EventJson(const events::Event& event);

}  // namespace datasync::app::views
