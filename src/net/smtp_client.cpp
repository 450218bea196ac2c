#include "net/smtp_client.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "net/cleartext.hpp"

namespace datasync::net {

namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool Ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\r' || c == '\n') return false;
  }
  return true;
}

// RFC 2047 encoded words of at most 75 characters each, split on UTF-8 character boundaries.
std::string EncodeHeader(std::string_view text) {
  if (Ascii(text)) return std::string(text);
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + 45);  // 45 bytes -> 60 base64 characters + 12 of framing
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    std::string chunk(text.substr(start, end - start));
    for (char& c : chunk) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(chunk) + "?=";
    start = end;
  }
  return out;
}

std::string RfcDate() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string MessageId() {
  static std::atomic<uint64_t> counter{0};
  char host[128] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "localhost");
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) + "." +
         std::to_string(::getpid()) + "." + std::to_string(counter++) + ".datasync@" + host;
}

// The address inside "Name <addr>", or the whole text.
std::string Address(const std::string& s) {
  auto lt = s.find('<');
  auto gt = s.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) return s.substr(lt + 1, gt - lt - 1);
  return s;
}

struct Upload {
  std::string data;
  size_t pos = 0;
};

size_t ReadBody(char* buf, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t len = std::min(size * n, up->data.size() - up->pos);
  std::memcpy(buf, up->data.data() + up->pos, len);
  up->pos += len;
  return len;
}

core::ErrorKind Classify(CURLcode rc) {
  switch (rc) {
    case CURLE_LOGIN_DENIED: return core::ErrorKind::kPermission;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_USE_SSL_FAILED: return core::ErrorKind::kConfig;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY: return core::ErrorKind::kTransient;
    default: return core::ErrorKind::kPermanent;
  }
}

}  // namespace

std::string FormatMail(const MailMessage& m, const std::string& date, const std::string& message_id) {
  std::string to;
  for (const auto& r : m.to) to += (to.empty() ? "" : ", ") + r;
  std::string out;
  out += "Date: " + date + "\r\n";
  out += "From: " + m.from + "\r\n";
  out += "To: " + to + "\r\n";
  out += "Message-ID: <" + message_id + ">\r\n";
  out += "Subject: " + EncodeHeader(m.subject) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  out += "X-Mailer: datasync\r\n\r\n";
  std::string body;
  for (char c : m.body) {
    if (c == '\n' && (body.empty() || body.back() != '\r')) body += '\r';
    body += c;
  }
  std::string encoded = Base64(body);
  for (size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

core::Status SmtpClient::Send(const SmtpOptions& o, const MailMessage& m) {
  if (m.to.empty()) return core::Fail(core::ErrorKind::kConfig, "e-mail to " + o.url + ": no recipient");
  bool credentials = !o.username.empty() || !o.password.empty();
  std::string host = UrlHost(o.url);
  if (credentials && !o.require_tls && core::ToLower(o.url).starts_with("smtp://") && !IsLoopbackHost(host)) {
    WarnOnce("smtp-password " + host,
             "e-mail via smtp://" + host +
                 ": require_tls is off, so the SMTP password goes in clear to a server "
                 "that does not offer STARTTLS, or to anyone in between who strips it; remove `require_tls: false` "
                 "(it is on by default with credentials) or use smtps://");
  }
  GlobalInitOnce();
  CURL* curl = curl_easy_init();
  if (!curl) return core::Fail(core::ErrorKind::kInternal, "cannot create a curl handle");
  Upload up{FormatMail(m, RfcDate(), MessageId())};
  curl_slist* rcpt = nullptr;
  for (const auto& r : m.to) rcpt = curl_slist_append(rcpt, ("<" + Address(r) + ">").c_str());
  std::string from = "<" + Address(m.from) + ">";
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, o.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(curl, CURLOPT_READDATA, &up);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(o.timeout.count(), 10'000)));
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // STARTTLS whenever the server offers it; with require_tls, refuse to send in the clear.
  curl_easy_setopt(curl, CURLOPT_USE_SSL, o.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L);
  if (!o.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, o.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, o.password.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  long response = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    std::string msg = "e-mail via " + core::Redact(o.url) + " failed: " + core::Redact(detail);
    if (response > 0) msg += " (server answered " + std::to_string(response) + ")";
    if (rc == CURLE_LOGIN_DENIED) msg += "; check the SMTP user name and password";
    if (rc == CURLE_USE_SSL_FAILED) msg += "; the server does not offer STARTTLS (require_tls is set)";
    if (rc == CURLE_PEER_FAILED_VERIFICATION) msg += "; the server's certificate could not be verified (ca_file)";
    return core::Fail(Classify(rc), msg);
  }
  return core::Ok();
}

}  // namespace datasync::net
