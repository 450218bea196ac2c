// Route registration for the Nasdaq Data Link side of the simulator, on the same server as the Tushare
// API: the data routes under /api/v3/ and the loopback-only admin routes under /_sim/ndl/. Called once
// before listening; the handlers run on the server's worker threads and share only NdlState.
#pragma once

namespace httplib {
class Server;
}

namespace datasync::vendorsim::ndl {

class NdlState;

void RegisterNdlRoutes(httplib::Server& server, NdlState& state);
void RegisterNdlAdminRoutes(httplib::Server& server, NdlState& state);

}  // namespace datasync::vendorsim::ndl
