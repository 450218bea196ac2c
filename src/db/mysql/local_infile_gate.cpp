#include "db/mysql/local_infile_gate.hpp"

#include <errmsg.h>
#include <mysql.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/strings.hpp"

namespace datasync::db::mysql {

namespace {
constexpr size_t kShownNameBytes = 200;
}  // namespace

void LocalInfileGate::Install(st_mysql* handle) {
  mysql_set_local_infile_handler(handle, &LocalInfileGate::Init, &LocalInfileGate::Read, &LocalInfileGate::End,
                                 &LocalInfileGate::Error, this);
}

void LocalInfileGate::Arm(std::string_view file_name, std::string_view data) {
  armed_ = true;
  file_name_ = std::string(file_name);
  data_ = data;
  offset_ = 0;
}

void LocalInfileGate::Disarm() {
  armed_ = false;
  data_ = {};
  offset_ = 0;
}

// The connector calls Error (and End) with whatever Init stored in *ptr, on failure too: always the gate.
int LocalInfileGate::Init(void** ptr, const char* file_name, void* userdata) {
  auto* gate = static_cast<LocalInfileGate*>(userdata);
  *ptr = gate;
  std::string_view asked = file_name ? std::string_view(file_name) : std::string_view();
  if (gate->armed_ && asked == gate->file_name_) {
    // One answer per load: a second request in reply to the same statement is refused.
    gate->armed_ = false;
    gate->offset_ = 0;
    return 0;
  }
  gate->refused_ = true;
  gate->refused_name_.clear();
  core::AppendJsonString(gate->refused_name_, core::RepairUtf8(asked.substr(0, kShownNameBytes)));
  if (asked.size() > kShownNameBytes) gate->refused_name_ += "...";
  return 1;
}

int LocalInfileGate::Read(void* ptr, char* buf, unsigned int len) {
  auto* gate = static_cast<LocalInfileGate*>(ptr);
  size_t n = std::min<size_t>(len, gate->data_.size() - gate->offset_);
  std::memcpy(buf, gate->data_.data() + gate->offset_, n);
  gate->offset_ += n;
  return static_cast<int>(n);
}

void LocalInfileGate::End(void*) {}

int LocalInfileGate::Error(void* ptr, char* msg, unsigned int len) {
  auto* gate = static_cast<LocalInfileGate*>(ptr);
  if (gate && gate->refused_) {
    std::snprintf(msg, len, "datasync refused the server's request for the local file %s", gate->refused_name_.c_str());
  } else {
    std::snprintf(msg, len, "datasync: local infile failed");
  }
  return CR_UNKNOWN_ERROR;
}

}  // namespace datasync::db::mysql
