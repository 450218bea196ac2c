// Where a secret would travel in clear: hosts, loopback, http:// URLs, warnings logged once per target, and
// the SMTP client's warning when credentials may go out without TLS.
#include "net/cleartext.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/log.hpp"
#include "net/smtp_client.hpp"

namespace datasync::net {
namespace {

// Collects warn lines while it lives.
class Warnings {
 public:
  Warnings() {
    core::SetLogBackend([this](core::LogLevel level, std::string_view m) {
      if (level == core::LogLevel::kWarn) lines.emplace_back(m);
    });
  }
  ~Warnings() { core::SetLogBackend(nullptr); }
  std::vector<std::string> lines;
};

TEST(CleartextTest, HostsOfUrls) {
  EXPECT_EQ(UrlHost("http://api.tushare.pro"), "api.tushare.pro");
  EXPECT_EQ(UrlHost("https://User:p@ss@Hooks.Example.COM:8443/x?y=1"), "hooks.example.com");
  EXPECT_EQ(UrlHost("http://[::1]:8080/"), "::1");
  EXPECT_EQ(UrlHost("smtp://127.0.0.1:2525"), "127.0.0.1");
  EXPECT_EQ(UrlHost("no scheme"), "");
}

TEST(CleartextTest, LoopbackHosts) {
  for (const char* h :
       {"localhost", "LOCALHOST.", "api.localhost", "127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(h)) << h;
  }
  for (const char* h : {"api.tushare.pro", "127.0.0.1.example.com", "10.0.0.1", "localhost.example.com", "::2", ""}) {
    EXPECT_FALSE(IsLoopbackHost(h)) << h;
  }
}

TEST(CleartextTest, HttpBeyondLoopbackIsInTheClear) {
  EXPECT_TRUE(IsCleartextHttp("http://api.tushare.pro"));
  EXPECT_TRUE(IsCleartextHttp("HTTP://10.1.2.3:8080/dataapi"));
  EXPECT_FALSE(IsCleartextHttp("https://api.tushare.pro"));
  EXPECT_FALSE(IsCleartextHttp("http://127.0.0.1:18080"));
  EXPECT_FALSE(IsCleartextHttp("http://localhost/x"));
}

TEST(CleartextTest, WarnOnceWarnsOncePerTarget) {
  Warnings w;
  EXPECT_TRUE(WarnOnce("cleartext-test a", "first a"));
  EXPECT_FALSE(WarnOnce("cleartext-test a", "second a"));
  EXPECT_TRUE(WarnOnce("cleartext-test b", "first b"));
  EXPECT_EQ(w.lines, (std::vector<std::string>{"first a", "first b"}));
}

MailMessage Mail() {
  MailMessage m;
  m.from = "a@b";
  m.to = {"c@d"};
  return m;
}

// require_tls off with a password, to a server that is not loopback: the password may go in clear. The
// warning comes before the connection (to TEST-NET-1, RFC 5737: never routed), once per server.
TEST(CleartextTest, SmtpPasswordWithoutRequiredTlsIsWarnedAboutOnce) {
  Warnings w;
  SmtpOptions o;
  o.url = "smtp://192.0.2.1:25";
  o.username = "alerts";
  o.password = "smtp-pass-4242";
  o.require_tls = false;
  o.timeout = std::chrono::milliseconds(1000);
  EXPECT_FALSE(SmtpClient::Send(o, Mail()));
  EXPECT_FALSE(SmtpClient::Send(o, Mail()));
  ASSERT_EQ(w.lines.size(), 1u) << ::testing::PrintToString(w.lines);
  EXPECT_NE(w.lines[0].find("e-mail via smtp://192.0.2.1: require_tls is off"), std::string::npos) << w.lines[0];
  EXPECT_EQ(w.lines[0].find("smtp-pass-4242"), std::string::npos) << w.lines[0];

  SmtpOptions safe = o;  // TLS required, TLS from the start, no credentials, loopback: nothing to warn about
  safe.url = "smtp://192.0.2.2:25";
  safe.require_tls = true;
  EXPECT_FALSE(SmtpClient::Send(safe, Mail()));
  SmtpOptions smtps = o;
  smtps.url = "smtps://192.0.2.3:465";
  EXPECT_FALSE(SmtpClient::Send(smtps, Mail()));
  SmtpOptions anonymous = o;
  anonymous.url = "smtp://192.0.2.4:25";
  anonymous.username.clear();
  anonymous.password.clear();
  EXPECT_FALSE(SmtpClient::Send(anonymous, Mail()));
  SmtpOptions local = o;
  local.url = "smtp://127.0.0.1:1";
  EXPECT_FALSE(SmtpClient::Send(local, Mail()));
  EXPECT_EQ(w.lines.size(), 1u) << ::testing::PrintToString(w.lines);
}

}  // namespace
}  // namespace datasync::net
