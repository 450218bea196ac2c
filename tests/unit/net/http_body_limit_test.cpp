// HttpRequest::max_body_bytes against hostile servers: a Content-Length of 4 GiB, a gzip bomb, an endless
// chunked body. Each answer is written by hand on a raw socket, because a real HTTP library would correct
// exactly the lies these tests need.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "net/http_client.hpp"

namespace datasync::net {
namespace {

// Writes all of `data`; false once the peer is gone (MSG_NOSIGNAL: no SIGPIPE when it hung up).
bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// One connection on 127.0.0.1: reads the request head, then `answer` writes what the test wants; `sent()`
// counts the bytes the client accepted before the connection ended.
class RawServer {
 public:
  using Answer = std::function<void(RawServer&, int fd)>;

  explicit RawServer(Answer answer) : answer_(std::move(answer)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(listen_fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      answer_(*this, c);
      ::close(c);
    });
  }
  ~RawServer() { Finish(); }

  // Waits until the answer is written or the client hung up; the bytes the client took.
  size_t Finish() {
    if (thread_.joinable()) {
      ::shutdown(listen_fd_, SHUT_RDWR);  // ends an accept() that no client came to
      thread_.join();
      ::close(listen_fd_);
    }
    return sent_.load();
  }

  bool Send(int fd, std::string_view data) {
    if (!SendAll(fd, data)) return false;
    sent_ += data.size();
    return true;
  }
  size_t sent() const { return sent_.load(); }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  Answer answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<size_t> sent_{0};
  std::thread thread_;
};

std::string Gzip(std::string_view raw) {
  z_stream z{};
  // 15 + 16: a gzip wrapper, not a zlib one.
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, raw.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

constexpr size_t kLimit = kMiB;
constexpr std::string_view kLimitText = "limit of 1 MiB (1048576 bytes)";

void ExpectTooLarge(const core::Result<HttpResponse>& r, std::string_view path) {
  ASSERT_FALSE(r) << "the client accepted " << r->body.size() << " bytes";
  EXPECT_EQ(r.error().code(), "http:body_too_large") << r.error().ToString();
  EXPECT_EQ(r.error().kind(), core::ErrorKind::kPermanent) << r.error().ToString();
  const std::string& m = r.error().message();
  EXPECT_NE(m.find(kLimitText), std::string::npos) << m;
  EXPECT_NE(m.find(path), std::string::npos) << m;             // which URL
  EXPECT_EQ(m.find("S3cretQuery"), std::string::npos) << m;    // its query string never
  EXPECT_NE(m.find("check the URL"), std::string::npos) << m;  // what to do
}

TEST(HttpBodyLimitTest, HugeContentLengthIsRefusedBeforeTheBody) {
  RawServer srv([](RawServer& s, int fd) {
    s.Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4294967295\r\n\r\n{\"small\":1}");
  });
  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/huge?token=S3cretQuery"), .max_body_bytes = kLimit});
  ExpectTooLarge(r, "/huge");
  EXPECT_NE(r.error().message().find("Content-Length 4294967295"), std::string::npos) << r.error().message();
}

TEST(HttpBodyLimitTest, HeadWithHugeContentLengthSucceedsAndReservesNoMoreThanTheLimit) {
  RawServer srv([](RawServer& s, int fd) {
    s.Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4294967295\r\n\r\n");
  });
  HttpClient client;
  auto r = client.Send({.method = "HEAD", .url = srv.Url("/huge"), .max_body_bytes = kLimit});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "4294967295");
  EXPECT_TRUE(r->body.empty());
  // The announced 4 GiB was not reserved: at most the limit and the parser padding.
  EXPECT_LE(r->body.capacity(), kLimit + 64);
}

TEST(HttpBodyLimitTest, GzipBombStopsAtTheLimit) {
  const std::string bomb = Gzip(std::string(10 * kMiB, '\0'));
  ASSERT_LT(bomb.size(), 64u * 1024);  // 10 MiB of zeros: a few KiB on the wire
  RawServer srv([&](RawServer& s, int fd) {
    s.Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: " +
                   std::to_string(bomb.size()) + "\r\n\r\n" + bomb);
  });
  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/bomb?token=S3cretQuery"), .max_body_bytes = kLimit});
  ExpectTooLarge(r, "/bomb");
}

TEST(HttpBodyLimitTest, EndlessChunkedBodyIsAbortedAtTheLimit) {
  // "Endless" up to 64 MiB, so that a client without a limit ends too (and fails the test by succeeding).
  constexpr size_t kServerGivesUpAfter = 64 * kMiB;
  RawServer srv([&](RawServer& s, int fd) {
    if (!s.Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
    const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
    while (s.sent() < kServerGivesUpAfter) {
      if (!s.Send(fd, chunk)) return;  // the client hung up
    }
    s.Send(fd, "0\r\n\r\n");
  });
  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/stream?token=S3cretQuery"), .max_body_bytes = kLimit});
  ExpectTooLarge(r, "/stream");
  // The client hung up near the limit: the server got rid of the limit plus what the sockets' buffers hold
  // (a few MiB on loopback), not the 64 MiB it had to send.
  EXPECT_LT(srv.Finish(), 16 * kMiB);
}

TEST(HttpBodyLimitTest, ABodyOfExactlyTheLimitIsAccepted) {
  RawServer srv([](RawServer& s, int fd) {
    s.Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(kLimit) + "\r\n\r\n" +
                   std::string(kLimit, 'y'));
  });
  HttpClient client;
  auto r = client.Send({.method = "GET", .url = srv.Url("/exact"), .max_body_bytes = kLimit});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->body.size(), kLimit);
  EXPECT_EQ(r->body.find_first_not_of('y'), std::string::npos);
}

}  // namespace
}  // namespace datasync::net
