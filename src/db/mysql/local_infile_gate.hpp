// LocalInfileGate: the only answer a MySqlConnection ever gives to a server's LOAD DATA LOCAL file request.
// The MySQL protocol lets the server ask for a client file in reply to *any* statement (a 0xFB packet naming
// a path), and the connector's default handler opens whatever path it names, so a rogue or spoofed server
// could read /proc/self/environ. The gate is installed on the handle once, before the first statement, and
// stays for the connection's life (mysql_set_local_infile_default is never called): it serves the buffer of
// one Arm()ed load, once, and only under the file name that load's statement sent; every other request is
// refused and remembered, so the statement's failure can say what the server asked for.
// Lifecycle: Install(handle) -> [Arm(name, data) -> the statement -> Disarm()]* ; refused() after a
// statement failed. The gate must outlive the handle's statements (MySqlConnection owns both).
// Thread-safety: one thread at a time, with its connection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct st_mysql;

namespace datasync::db::mysql {

class LocalInfileGate {
 public:
  LocalInfileGate() = default;
  LocalInfileGate(const LocalInfileGate&) = delete;
  LocalInfileGate& operator=(const LocalInfileGate&) = delete;

  // Makes this gate the handle's local-infile handler (callbacks with `this` as their user data).
  void Install(st_mysql* handle);

  // The next request for exactly `file_name` gets `data` (once); `data` must live until Disarm().
  void Arm(std::string_view file_name, std::string_view data);
  void Disarm();
  // Forgets an earlier refusal (call before each statement).
  void ClearRefusal() { refused_ = false; }

  // Whether a request was refused since ClearRefusal(), and the file name it asked for, printable (JSON
  // string escapes, at most 200 bytes of it).
  bool refused() const { return refused_; }
  const std::string& refused_name() const { return refused_name_; }

 private:
  static int Init(void** ptr, const char* file_name, void* userdata);
  static int Read(void* ptr, char* buf, unsigned int len);
  static void End(void* ptr);
  static int Error(void* ptr, char* msg, unsigned int len);

  bool armed_ = false;
  std::string file_name_;
  std::string_view data_;
  size_t offset_ = 0;
  bool refused_ = false;
  std::string refused_name_;
};

}  // namespace datasync::db::mysql
