// SmtpClient: sends one e-mail over SMTP with libcurl (ARCHITECTURE §2: net/ owns SMTP): plain SMTP,
// STARTTLS (required when `require_tls`), or SMTP over TLS (smtps://), with AUTH when a user name is set.
// The message is plain UTF-8 text: RFC 5322 headers (the subject RFC 2047-encoded when not ASCII) and a
// base64 body, so any text survives any relay.
//
// Thread-safe: Send uses its own curl handle per call; any number of threads may send at once.
// Errors: connection problems and timeouts -> kTransient; a refused login -> kPermission; a bad URL or CA
// file -> kConfig; a recipient or message the server rejects -> kPermanent. Messages never contain the
// password.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace datasync::net {

struct SmtpOptions {
  std::string url;       // smtp://host:port (STARTTLS when offered or required) or smtps://host:port
  std::string username;  // empty: no AUTH
  std::string password;
  // smtp://: fail unless the server upgrades with STARTTLS. Off with a user name or password on a host
  // that is not loopback, Send logs a warning (once per server): the password may go in clear.
  bool require_tls = false;
  bool verify_tls = true;
  std::string ca_file;  // empty: the system store
  std::chrono::milliseconds timeout{30'000};
};

struct MailMessage {
  std::string from;
  std::vector<std::string> to;
  std::string subject;
  std::string body;  // UTF-8 text; lines end with \n
};

// The message as sent (headers and base64 body, CRLF line ends). `date` is an RFC 5322 date, `message_id`
// the id without angle brackets.
std::string FormatMail(const MailMessage& message, const std::string& date, const std::string& message_id);

class SmtpClient {
 public:
  static core::Status Send(const SmtpOptions& options, const MailMessage& message);
};

}  // namespace datasync::net
