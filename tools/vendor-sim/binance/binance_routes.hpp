// Route registration for the Binance public-archive side of the simulator (data.binance.vision), on the
// same server as the Tushare and Nasdaq Data Link APIs: the kline files under /data/ and the loopback-only
// admin routes under /_sim/binance/. Called once before listening; the handlers run on the server's
// worker threads and share only BinanceState.
#pragma once

namespace httplib {
class Server;
}

namespace datasync::vendorsim::binance {

class BinanceState;

void RegisterBinanceRoutes(httplib::Server& server, BinanceState& state);
void RegisterBinanceAdminRoutes(httplib::Server& server, BinanceState& state);

}  // namespace datasync::vendorsim::binance
