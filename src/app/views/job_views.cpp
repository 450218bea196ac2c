#include "app/views/job_views.hpp"

#include <nlohmann/json.hpp>

namespace datasync::app::views {

nlohmann::ordered_json ToJson(const Job& job) {
  nlohmann::ordered_json result = nlohmann::ordered_json::parse(job.result_json, nullptr, false);
  if (result.is_discarded()) result = nullptr;
  return {{"id", job.id},
          {"kind", job.kind},
          {"subject", job.subject},
          {"actor", job.actor},
          {"state", JobStateName(job.state)},
          {"queued_at_us", job.queued_at_us},
          {"started_at_us", job.started_at_us},
          {"finished_at_us", job.finished_at_us},
          {"summary", job.summary},
          {"error", job.error},
          {"result", result}};
}

}  // namespace datasync::app::views
