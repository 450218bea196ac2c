// The PostgreSQL client's classification of SQLSTATEs and its deadlines (no server needed: a silent listener
// on loopback plays the server that never answers; storage_db_test and the e2e tests run it against a real
// one, and tests/e2e/test_db_blackhole.py black-holes that one mid-run).
#include "db/postgres/pg_connection.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace datasync::db::postgres {
namespace {

using core::ErrorKind;

TEST(PgConnectionTest, ClassifiesSqlStates) {
  EXPECT_EQ(PgErrorKind("08006"), ErrorKind::kTransient);
  EXPECT_EQ(PgErrorKind("57P01"), ErrorKind::kTransient);
  EXPECT_EQ(PgErrorKind("40P01"), ErrorKind::kTransient);
  EXPECT_EQ(PgErrorKind("23505"), ErrorKind::kInvalidInput);
  EXPECT_EQ(PgErrorKind("22001"), ErrorKind::kInvalidInput);
  EXPECT_EQ(PgErrorKind("28P01"), ErrorKind::kPermission);
  EXPECT_EQ(PgErrorKind("42501"), ErrorKind::kPermission);
  EXPECT_EQ(PgErrorKind("3D000"), ErrorKind::kConfig);
  EXPECT_EQ(PgErrorKind("42601"), ErrorKind::kPermanent);
  EXPECT_EQ(PgErrorKind(""), ErrorKind::kPermanent);
}

using Params = std::vector<std::pair<std::string, std::string>>;

std::string Value(const Params& params, const std::string& key) {
  std::string v;
  for (const auto& [k, val] : params) {
    if (k == key) v = val;  // libpq uses the last
  }
  return v;
}

TEST(PgConnectionTest, TimeoutsBecomeLibpqKeywordsTheCallerCanOverride) {
  PgTimeouts t;
  t.io = std::chrono::seconds(45);
  t.statement = std::chrono::seconds(30);
  t.tcp_user_timeout = std::chrono::seconds(20);
  Params out = WithTimeouts({{"host", "db"}, {"keepalives_idle", "99"}, {"options", "-c TimeZone=UTC"}}, t);
  EXPECT_EQ(Value(out, "keepalives"), "1");
  EXPECT_EQ(Value(out, "keepalives_idle"), "99") << "a keyword the caller (a URL) sets wins";
  EXPECT_EQ(Value(out, "keepalives_interval"), "10");
  EXPECT_EQ(Value(out, "keepalives_count"), "3");
  EXPECT_EQ(Value(out, "tcp_user_timeout"), "20000") << "libpq takes milliseconds";
  EXPECT_EQ(Value(out, "options"),
            "-c TimeZone=UTC -c idle_in_transaction_session_timeout=45s -c statement_timeout=30s");

  t.statement = std::chrono::seconds(0);
  t.keepalives = false;
  out = WithTimeouts({{"host", "db"}}, t);
  EXPECT_EQ(Value(out, "keepalives"), "0");
  EXPECT_EQ(Value(out, "options"), "-c idle_in_transaction_session_timeout=45s") << "0: no statement timeout";
}

// A TCP port that completes the handshake (the kernel does) and never says a word.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 8), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() { close(fd_); }
  int port() const { return port_; }
  Params params() const {
    return {
        {"host", "127.0.0.1"}, {"port", std::to_string(port_)}, {"user", "u"}, {"dbname", "d"}, {"sslmode", "disable"}};
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(PgConnectionTest, AServerThatNeverAnswersFailsTheConnectionAtTheConnectTimeout) {
  SilentServer server;
  PgConnection conn;
  PgTimeouts t;
  t.connect = std::chrono::seconds(1);
  auto started = std::chrono::steady_clock::now();
  auto st = conn.Open(server.params(), "postgres://u@127.0.0.1/d", t);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), core::ErrorKind::kTransient);
  EXPECT_EQ(st.error().message(), "cannot connect to postgres://u@127.0.0.1/d: no answer from 127.0.0.1:" +
                                      std::to_string(server.port()) + " within 1 s (connect_timeout_secs)");
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(30)) << "the deadline, not libpq's default wait";
  EXPECT_FALSE(conn.healthy());
}

TEST(PgConnectionTest, InterruptEndsAConnectionAttemptAndEveryLaterCall) {
  SilentServer server;
  PgConnection conn;
  PgTimeouts t;
  t.connect = std::chrono::seconds(3600);
  core::Status st = core::Ok();
  std::thread opening([&] { st = conn.Open(server.params(), "postgres://u@127.0.0.1/d", t); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  conn.Interrupt();
  opening.join();  // an hour's deadline: only the interrupt ends it
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), core::ErrorKind::kTransient);
  EXPECT_NE(st.error().message().find("interrupted (datasync is stopping)"), std::string::npos) << st.error().message();
  auto exec = conn.Exec("SELECT 1");
  ASSERT_FALSE(exec);
  EXPECT_NE(exec.error().message().find("interrupted"), std::string::npos) << exec.error().message();
  auto again = conn.Open(server.params(), "postgres://u@127.0.0.1/d", t);
  ASSERT_FALSE(again) << "an interrupted connection stays interrupted";
}

}  // namespace
}  // namespace datasync::db::postgres
