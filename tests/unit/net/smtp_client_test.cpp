// The e-mail the SMTP client sends: RFC 5322 headers, an RFC 2047 subject for non-ASCII text, a base64
// UTF-8 body in lines of at most 76 characters. (Delivery through a real SMTP exchange, STARTTLS and AUTH
// is covered end to end by tests/e2e/test_serve.py against a receiver started by the test.)
#include "net/smtp_client.hpp"

#include <gtest/gtest.h>

namespace datasync::net {
namespace {

std::string DecodeBase64(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) continue;  // '=', CR, LF
    acc = (acc << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

TEST(SmtpMessageTest, HeadersSubjectAndBody) {
  MailMessage m;
  m.from = "datasync <datasync@example.com>";
  m.to = {"ops@example.com", "Quant Desk <desk@example.com>"};
  m.subject = "[datasync demo] 计划 daily 失败: run 12 of plan daily failed, and a rather long tail to force a split";
  m.body = "line one\n行二 with ünïcode\n.a line starting with a dot\n";
  std::string mail = FormatMail(m, "Sat, 21 Nov 2026 09:30:00 +0000", "123.datasync@host");
  size_t split = mail.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  std::string headers = mail.substr(0, split + 2), body = mail.substr(split + 4);
  EXPECT_NE(headers.find("Date: Sat, 21 Nov 2026 09:30:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(headers.find("From: datasync <datasync@example.com>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("To: ops@example.com, Quant Desk <desk@example.com>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Message-ID: <123.datasync@host>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
  // The subject: encoded words, each at most 75 characters, folded, decoding back to the text.
  size_t s = headers.find("Subject: ");
  size_t e = headers.find("\r\nMIME-Version");
  std::string subject = headers.substr(s + 9, e - s - 9);
  std::string decoded;
  size_t pos = 0;
  while ((pos = subject.find("=?UTF-8?B?", pos)) != std::string::npos) {
    size_t end = subject.find("?=", pos + 10);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end + 2 - pos, 75u);
    decoded += DecodeBase64(subject.substr(pos + 10, end - pos - 10));
    pos = end + 2;
  }
  EXPECT_EQ(decoded, m.subject);
  EXPECT_NE(subject.find("\r\n "), std::string::npos);  // folded
  for (size_t at = 0; at < body.size();) {
    size_t nl = body.find("\r\n", at);
    ASSERT_NE(nl, std::string::npos);
    EXPECT_LE(nl - at, 76u);
    at = nl + 2;
  }
  EXPECT_EQ(DecodeBase64(body), "line one\r\n行二 with ünïcode\r\n.a line starting with a dot\r\n");
}

TEST(SmtpMessageTest, AsciiSubjectStaysReadable) {
  MailMessage m;
  m.from = "a@b";
  m.to = {"c@d"};
  m.subject = "plan daily is late";
  std::string mail = FormatMail(m, "d", "id");
  EXPECT_NE(mail.find("Subject: plan daily is late\r\n"), std::string::npos);
}

TEST(SmtpClientTest, NoRecipientIsAConfigError) {
  MailMessage m;
  m.from = "a@b";
  auto st = SmtpClient::Send({"smtp://127.0.0.1:1"}, m);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), core::ErrorKind::kConfig);
}

TEST(SmtpClientTest, AnUnreachableServerIsTransient) {
  MailMessage m;
  m.from = "a@b";
  m.to = {"c@d"};
  SmtpOptions o;
  o.url = "smtp://127.0.0.1:1";  // nothing listens on port 1
  o.timeout = std::chrono::milliseconds(3000);
  auto st = SmtpClient::Send(o, m);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), core::ErrorKind::kTransient) << st.error().message();
}

}  // namespace
}  // namespace datasync::net
