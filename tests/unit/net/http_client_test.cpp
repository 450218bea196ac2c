#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace datasync::net {
namespace {

using namespace std::chrono_literals;

// A cpp-httplib server on 127.0.0.1 with an ephemeral port, running on its own thread for one test.
template <class ServerT = httplib::Server>
class TestServer {
 public:
  template <class... Args>
  explicit TestServer(Args&&... args) : server_(std::forward<Args>(args)...) {}
  ~TestServer() { Stop(); }

  ServerT& server() { return server_; }
  void Start() {
    // httplib writes headers and body separately; without NODELAY a reused connection waits for the
    // client's delayed ACK (40 ms) on every response.
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so wait for it (bounded) before the test can end.
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(server_.is_running());
  }
  void Stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  std::string Url(std::string_view path, std::string_view scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  ServerT server_;
  int port_ = -1;
  std::thread thread_;
};

// Lets a handler block until the test says so (or a bound passes), so no test depends on sleeps.
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait(std::chrono::milliseconds bound) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, bound, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(HttpClientTest, GetReturnsStatusBodyAndLowerCasedHeaders) {
  TestServer srv;
  srv.server().Get("/hello", [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Vendor-Thing", "v1");
    res.set_content("hi " + req.get_header_value("User-Agent"), "text/plain");
  });
  srv.Start();

  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/hello")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hi datasync/0.1");
  EXPECT_EQ(r->Header("x-vendor-thing"), "v1");
  EXPECT_EQ(r->Header("X-Vendor-Thing"), "");  // callers ask in lower case
  EXPECT_EQ(r->Header("content-type"), "text/plain");
  EXPECT_GT(r->total_seconds, 0.0);
}

TEST(HttpClientTest, PostSendsBodyAndHeaders) {
  TestServer srv;
  std::string got_body, got_type, got_expect;
  srv.server().Post("/api", [&](const httplib::Request& req, httplib::Response& res) {
    got_body = req.body;
    got_type = req.get_header_value("Content-Type");
    got_expect = req.get_header_value("Expect");
    res.status = 201;
    res.set_content(R"({"ok":true})", "application/json");
  });
  srv.Start();

  HttpClient client;
  std::string big(2 << 20, 'x');  // large enough that curl would otherwise send Expect: 100-continue
  auto r = client.Send(
      {.method = "POST", .url = srv.Url("/api"), .headers = {{"Content-Type", "application/json"}}, .body = big});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, R"({"ok":true})");
  EXPECT_EQ(got_body.size(), big.size());
  EXPECT_EQ(got_type, "application/json");
  EXPECT_EQ(got_expect, "");
}

TEST(HttpClientTest, HttpErrorStatusIsASuccessfulSend) {
  TestServer srv;
  srv.server().Get("/down", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_header("Retry-After", "7");
    res.set_content("busy", "text/plain");
  });
  srv.Start();
  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/down")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("retry-after"), "7");
  EXPECT_EQ(r->body, "busy");
}

TEST(HttpClientTest, GzipResponseIsDecompressed) {
  TestServer srv;
  std::string accept_encoding;
  std::string payload;
  for (int i = 0; i < 2000; ++i) payload += R"(["000001.SZ","20240102",9.39,9.42],)";
  srv.server().Get("/gz", [&](const httplib::Request& req, httplib::Response& res) {
    accept_encoding = req.get_header_value("Accept-Encoding");
    res.set_content(payload, "application/json");  // httplib gzips when the client accepts it
  });
  srv.Start();

  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/gz")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_NE(accept_encoding.find("gzip"), std::string::npos) << accept_encoding;
  EXPECT_NE(r->Header("content-encoding"), "");
  EXPECT_EQ(r->body, payload);
  // The body keeps room past its end for parsers that read ahead (simdjson's padding).
  EXPECT_GE(r->body.capacity() - r->body.size(), 64u);
}

TEST(HttpClientTest, TimeoutIsTransient) {
  TestServer srv;
  Gate gate;
  srv.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    gate.Wait(5s);
    res.set_content("late", "text/plain");
  });
  srv.Start();

  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/slow?token=abcdef123"), .timeout = 200ms});
  gate.Open();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::kTransient) << r.error().ToString();
  EXPECT_EQ(r.error().code(), "curl:28");
  EXPECT_NE(r.error().message().find("/slow"), std::string::npos) << r.error().message();
  // Query strings may carry credentials, so messages never show them.
  EXPECT_EQ(r.error().message().find("abcdef123"), std::string::npos) << r.error().message();
}

TEST(HttpClientTest, ConnectionRefusedIsTransient) {
  // A bound but not listening socket: connecting to its port is refused, and holding it keeps the
  // port from being reused by anything else during the test.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);

  HttpClient client;
  std::string secret_body = R"({"token":"tok-SECRET-123"})";
  auto r =
      client.Send({.method = "POST", .url = "http://127.0.0.1:" + std::to_string(port) + "/", .body = secret_body});
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::kTransient) << r.error().ToString();
  EXPECT_EQ(r.error().code(), "curl:7");
  EXPECT_EQ(r.error().message().find("SECRET"), std::string::npos) << r.error().message();
}

TEST(HttpClientTest, ServerClosingMidBodyIsTransient) {
  TestServer srv;
  srv.server().Get("/cut", [](const httplib::Request&, httplib::Response& res) {
    // Promises 100000 bytes, sends 1000, then drops the connection.
    res.set_content_provider(100000, "application/json", [](size_t offset, size_t, httplib::DataSink& sink) {
      if (offset > 0) return false;
      std::string chunk(1000, 'a');
      sink.write(chunk.data(), chunk.size());
      return true;
    });
  });
  srv.Start();

  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/cut")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::kTransient) << r.error().ToString();
  EXPECT_EQ(r.error().code(), "curl:18");  // CURLE_PARTIAL_FILE
}

TEST(HttpClientTest, EmptyReplyIsTransient) {
  // A server that accepts and closes without answering: CURLE_GOT_NOTHING.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::thread closer([fd] {
    int c = ::accept(fd, nullptr, nullptr);
    if (c >= 0) {
      char buf[4096];
      (void)::recv(c, buf, sizeof buf, 0);  // read the request, then hang up
      ::close(c);
    }
  });
  HttpClient client;
  auto r = client.Send({.method = "GET", .url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"});
  closer.join();
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::kTransient) << r.error().ToString();
  EXPECT_EQ(r.error().code(), "curl:52");
}

TEST(HttpClientTest, BadUrlIsConfig) {
  HttpClient client;
  for (std::string url : {"http://[::1", "ftp://127.0.0.1/file", "no-scheme-here:::"}) {
    auto r = client.Send({.method = "GET", .url = url});
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().kind(), core::ErrorKind::kConfig) << url << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find("endpoint"), std::string::npos) << r.error().message();
  }
}

TEST(HttpClientTest, ConcurrentCallersShareAtMostMaxConnections) {
  TestServer srv;
  srv.server().set_keep_alive_max_count(1000);
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0, max_in_flight = 0;
  std::set<int> remote_ports;
  std::atomic<int> served{0};
  srv.server().Get("/work", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::unique_lock lock(mu);
      ++in_flight;
      max_in_flight = std::max(max_in_flight, in_flight);
      remote_ports.insert(req.remote_port);
      cv.notify_all();
      // The first call waits for a second one to be in flight, so the test sees the pool's full width
      // without timing luck; if the pool never allowed two, the bound ends the wait and the test fails.
      cv.wait_for(lock, 2s, [&] { return max_in_flight >= 2; });
      --in_flight;
    }
    res.set_content(req.get_param_value("i"), "text/plain");
    ++served;
  });
  srv.Start();

  HttpClient client({.max_connections = 2});
  constexpr int kThreads = 8, kPerThread = 3;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        std::string id = std::to_string(t * 100 + k);
        auto r = client.Send({.method = "GET", .url = srv.Url("/work?i=" + id)});
        if (r && r->status == 200 && r->body == id) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(served.load(), kThreads * kPerThread);
  EXPECT_EQ(max_in_flight, 2);
  // Connections are reused through the shared cache: never more than the two slots' worth.
  EXPECT_LE(remote_ports.size(), 2u);
}

class TlsTest : public ::testing::Test {
 protected:
  static std::string DataPath(const char* name) { return std::string(DATASYNC_NET_TEST_DIR) + "/" + name; }
};

TEST_F(TlsTest, UntrustedCertificateIsPermanentWithAdvice) {
  TestServer<httplib::SSLServer> srv(DataPath("test_server_cert.pem").c_str(), DataPath("test_server_key.pem").c_str());
  ASSERT_TRUE(srv.server().is_valid());
  srv.server().Get("/",
                   [](const httplib::Request&, httplib::Response& res) { res.set_content("secure", "text/plain"); });
  srv.Start();

  HttpClient untrusting;
  auto r = untrusting.Send({.method = "GET", .url = srv.Url("/", "https")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::kPermanent) << r.error().ToString();
  EXPECT_NE(r.error().message().find("ca_file"), std::string::npos) << r.error().message();

  HttpClient trusting({.ca_file = DataPath("test_server_cert.pem")});
  auto ok = trusting.Send({.method = "GET", .url = srv.Url("/", "https")});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->body, "secure");

  HttpClient missing_ca({.ca_file = DataPath("no_such_ca.pem")});
  auto bad = missing_ca.Send({.method = "GET", .url = srv.Url("/", "https")});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), core::ErrorKind::kConfig) << bad.error().ToString();
}

}  // namespace
}  // namespace datasync::net
