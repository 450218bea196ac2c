// The Nasdaq Data Link data routes: request target length, parameters (query string and JSON body), the
// API key, the per-caller concurrency slot, the limit windows, the test's call gate, injected faults,
// then the answer. Every call admitted past the limits counts, whatever its answer.
#include "ndl/ndl_routes.hpp"

#include <httplib.h>

#include <chrono>
#include <thread>

#include "call_gate.hpp"
#include "ndl/ndl_responses.hpp"
#include "ndl/ndl_state.hpp"
#include "ndl/ndl_tables.hpp"
#include "sim_clock.hpp"
#include "sim_random.hpp"

namespace datasync::vendorsim::ndl {
namespace {

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kAnonymous = "(anonymous)";
constexpr const char* kUnknownKey = "(unknown key)";
// Calls refused before their key was read (a too-long URL, a body that is not JSON).
constexpr const char* kUnauthenticated = "(unauthenticated)";

enum class Route { kDatatable, kDatatableMetadata, kDataset, kDatasetMetadata };

void Respond(httplib::Response& res, const NdlError& error) {
  res.status = error.status;
  if (error.retry_after_secs) res.set_header("Retry-After", std::to_string(*error.retry_after_secs));
  res.set_content(ErrorBody(error), kJsonType);
}

int64_t SecondsToUtcMidnight(int64_t now_ms) {
  const int64_t next = (FloorDiv(now_ms, kMsPerDay) + 1) * kMsPerDay;
  return std::max<int64_t>(1, (next - now_ms + 999) / 1000);
}

// The Retry-After an answer with this code carries [sim]: 429s and the 202 "try again" answer.
std::optional<int64_t> RetryAfterFor(std::string_view code, int64_t now_ms) {
  if (code == "QELx01" || code == "QELx02" || code == "QELx03") return SecondsToUtcMidnight(now_ms);
  if (code == "QELx04" || code == "QELx05") return 10;
  if (code == "QEAx07") return 30;
  return std::nullopt;
}

NdlError LimitError(LimitHit hit, int64_t limit, int64_t retry_after, bool anonymous, bool subscriber) {
  const std::string n = std::to_string(limit);
  NdlError e;
  if (hit == LimitHit::kDay) {
    if (anonymous) {
      e = MakeError("QELx01", "You have exceeded the anonymous user limit of " + n +
                                  " calls per day. To make more calls today, please register for a free Nasdaq Data "
                                  "Link account and then include your API key with your requests.");
    } else {
      e = MakeError(subscriber ? "QELx03" : "QELx02", "You have exceeded your daily limit of " + n + " calls" +
                                                          (subscriber ? " as a subscriber" : "") +
                                                          ". Your limit resets at 00:00 UTC.");
    }
  } else {
    const std::string window = hit == LimitHit::k10min ? "10 minutes" : "10 seconds";
    e = MakeError(subscriber ? "QELx05" : "QELx04", "You have exceeded the API speed limit of " + n + " calls per " +
                                                        window + (anonymous ? " as an anonymous user" : "") +
                                                        ". Please wait " + std::to_string(retry_after) +
                                                        " seconds before making more calls.");
  }
  e.retry_after_secs = retry_after;
  return e;
}

// What a gateway in front of the API answers when the backend is down (502 has no JSON body).
void InjectServerError(httplib::Response& res, uint64_t draw) {
  switch (draw % 3) {
    case 0: return Respond(res, MakeError("QEMx01"));
    case 1:
      res.status = 502;
      res.set_content(
          "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
          "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
          "text/html");
      return;
    default: return Respond(res, MakeError("QEXx01"));
  }
}

class SlotGuard {
 public:
  SlotGuard(NdlLedger& ledger, std::string caller) : ledger_(ledger), caller_(std::move(caller)) {}
  ~SlotGuard() { ledger_.Leave(caller_); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  NdlLedger& ledger_;
  std::string caller_;
};

void Handle(NdlState& state, const httplib::Request& req, httplib::Response& res, Route route) {
  // Counted like the Tushare data calls, so a test's virtual clock never moves while one is being handled.
  const CallGate::InFlight in_flight(state.gate());
  NdlLedger& ledger = state.ledger();
  std::shared_ptr<const NdlRuntime> config = state.Config();
  if (req.method == "GET" && req.target.size() > state.startup().max_url_chars) {
    ledger.CountRejected(kUnauthenticated, "QELx07");
    return Respond(
        res, MakeError("QELx07", "Your request query parameters are too long (" + std::to_string(req.target.size()) +
                                     " characters; at most " + std::to_string(state.startup().max_url_chars) +
                                     "). Send the parameters as a JSON body with POST to the same path."));
  }

  // Parameters from the query string only: cpp-httplib also decodes a form-encoded POST body into
  // req.params, but a body here is JSON whatever its Content-Type says (curl -d sends a form type).
  std::vector<Param> params;
  const size_t question = req.target.find('?');
  if (question != std::string::npos) {
    httplib::Params query;
    httplib::detail::parse_query_text(req.target.substr(question + 1), query);
    for (const auto& [name, value] : query) AddQueryParam(params, name, value);
  }
  NdlError error;
  if (req.method == "POST" && !req.body.empty() && !AddJsonBody(params, req.body, error)) {
    ledger.CountRejected(kUnauthenticated, error.code);
    return Respond(res, error);
  }

  // The key: the X-Api-Token header (the official client), else api_key (query string or body).
  std::string key = req.get_header_value("X-Api-Token");
  if (key.empty()) {
    if (const Param* p = FindParam(params, "api_key"); p && !p->values.empty()) key = p->values.back();
  }
  const bool anonymous = key.empty();
  if (!anonymous && config->keys.count(key) == 0) {
    ledger.CountRejected(kUnknownKey, "QEAx01");
    return Respond(res, MakeError("QEAx01"));
  }
  const std::string caller = anonymous ? kAnonymous : key;
  const bool subscriber = !anonymous && config->subscriber_keys.count(key) != 0;

  if (!ledger.Enter(caller, state.startup().in_flight, state.startup().queued)) {
    NdlError busy =
        MakeError(subscriber ? "QELx05" : "QELx04",
                  "You have exceeded the API concurrency limit: " + std::to_string(state.startup().in_flight) +
                      " call(s) may run at once with " + std::to_string(state.startup().queued) +
                      " more waiting. Please wait for your calls to finish.");
    busy.retry_after_secs = 1;
    ledger.CountRejected(caller, busy.code);
    return Respond(res, busy);
  }
  const SlotGuard slot(ledger, caller);

  int64_t now_ms = state.clock().NowMs();
  const Admission admission = ledger.Admit(caller, anonymous ? config->anonymous_limits : config->key_limits, now_ms);
  if (admission.hit != LimitHit::kNone) {
    const NdlError limited =
        LimitError(admission.hit, admission.limit, admission.retry_after_secs, anonymous, subscriber);
    ledger.CountRejected(caller, limited.code);
    return Respond(res, limited);
  }

  // Accepted. The test's gate may hold the call (keeping its concurrency slot); a held call meets the
  // config and the clock in force when it is released.
  if (state.gate().Pass()) {
    config = state.Config();
    now_ms = state.clock().NowMs();
  }
  const uint64_t n = state.NextAccepted();
  if (Unit3(config->fault_seed, n, 1) < config->slow) {
    std::this_thread::sleep_for(std::chrono::milliseconds(config->slow_ms));
  }
  const auto fail = [&](NdlError e, bool injected) {
    if (!e.retry_after_secs) e.retry_after_secs = RetryAfterFor(e.code, now_ms);
    ledger.CountError(caller, e.code, injected);
    Respond(res, e);
  };
  if (const std::optional<std::string> forced = state.TakeForcedError(req.path)) {
    return fail(MakeError(*forced), true);
  }
  if (Unit3(config->fault_seed, n, 2) < config->fail_5xx) {
    const uint64_t draw = Hash3(config->fault_seed, n, 3);
    ledger.CountError(caller, draw % 3 == 0 ? "QEMx01" : draw % 3 == 1 ? "HTTP502" : "QEXx01", true);
    return InjectServerError(res, draw);
  }

  const std::string first = req.matches[1].str();
  const std::string second = req.matches[2].str();
  const bool is_table = route == Route::kDatatable || route == Route::kDatatableMetadata;
  if (config->no_permission.count(first) != 0 || config->no_permission.count(first + "/" + second) != 0) {
    return fail(MakeError("QEPx02", "You do not have permission to view " + first + "/" + second +
                                        ". Please subscribe to get access."),
                false);
  }
  std::string body;
  if (is_table) {
    const TableSpec* table = FindTable(first, second);
    if (!table) {
      return fail(MakeError("QECx01", "You have submitted an incorrect table code: " + first + "/" + second +
                                          " does not exist. Please check the table code and try again."),
                  false);
    }
    if (route == Route::kDatatableMetadata) {
      body = DatatableMetadata(*table);
    } else if (std::optional<NdlError> e = DatatablePage(state, *table, params, now_ms, config->cursor_ttl_secs * 1000,
                                                         config->max_rows, body)) {
      return fail(std::move(*e), false);
    }
  } else {
    const std::optional<size_t> ticker =
        first == kSeriesDatabase ? state.universe().Find(second) : std::optional<size_t>();
    if (!ticker) {
      return fail(MakeError("QECx02", "You have submitted an incorrect Quandl code: " + first + "/" + second +
                                          " does not exist. Please check your Quandl codes and try again."),
                  false);
    }
    if (route == Route::kDatasetMetadata) {
      body = DatasetMetadata(state.universe(), *ticker);
    } else if (std::optional<NdlError> e = DatasetData(state.universe(), *ticker, params, body)) {
      return fail(std::move(*e), false);
    }
  }
  res.status = 200;
  res.body = std::move(body);
  res.set_header("Content-Type", kJsonType);
}

}  // namespace

void RegisterNdlRoutes(httplib::Server& server, NdlState& state) {
  const auto route = [&state](Route r) {
    return [&state, r](const httplib::Request& req, httplib::Response& res) { Handle(state, req, res, r); };
  };
  // Codes are letters, digits and underscores; the metadata routes are registered first (httplib takes
  // the first full match).
  const char* kTableMeta = R"(/api/v3/datatables/([A-Za-z0-9_]+)/([A-Za-z0-9_]+)/metadata\.json)";
  const char* kTable = R"(/api/v3/datatables/([A-Za-z0-9_]+)/([A-Za-z0-9_]+)\.json)";
  const char* kSetMeta = R"(/api/v3/datasets/([A-Za-z0-9_]+)/([A-Za-z0-9_.]+)/metadata\.json)";
  const char* kSetData = R"(/api/v3/datasets/([A-Za-z0-9_]+)/([A-Za-z0-9_.]+)/data\.json)";
  server.Get(kTableMeta, route(Route::kDatatableMetadata));
  server.Get(kTable, route(Route::kDatatable));
  server.Post(kTable, route(Route::kDatatable));
  server.Get(kSetMeta, route(Route::kDatasetMetadata));
  server.Get(kSetData, route(Route::kDataset));
  // Anything else under /api/v3 is the vendor's 404, not the server's empty one.
  const auto not_found = [](const httplib::Request& req, httplib::Response& res) {
    Respond(res, MakeError("QECx03", "We could not find " + req.path +
                                         ". The simulator serves /api/v3/datatables/{PUBLISHER}/{TABLE}.json, "
                                         ".../metadata.json, /api/v3/datasets/{DB}/{CODE}/data.json and "
                                         ".../metadata.json."));
  };
  server.Get(R"(/api/v3/.*)", not_found);
  server.Post(R"(/api/v3/.*)", not_found);
}

}  // namespace datasync::vendorsim::ndl
