// Route registration for the simulator's HTTP server: the Tushare data API (POST / and
// POST /dataapi/<api_name>) and the loopback-only admin API under /_sim/. Called once before listening;
// the handlers run on the server's worker threads and share only SimState.
#pragma once

namespace httplib {
class Server;
}

namespace datasync::vendorsim {

class SimState;

void RegisterDataRoutes(httplib::Server& server, SimState& state);
void RegisterAdminRoutes(httplib::Server& server, SimState& state);
void RegisterDocRoutes(httplib::Server& server, SimState& state);

}  // namespace datasync::vendorsim
