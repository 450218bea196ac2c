#include "core/wait_board.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace datasync::core {

WaitBoard* WaitBoard::Process() {
  static WaitBoard* board = []() -> WaitBoard* {
    const char* clock = std::getenv("DATASYNC_CLOCK_FILE");
    if (clock == nullptr || *clock == '\0') return nullptr;
    std::string dir = std::string(clock) + ".waits";
    ::mkdir(dir.c_str(), 0755);
    // Never destroyed: workers of detached threads may still use it while the process exits.
    return new WaitBoard(dir + "/" + std::to_string(::getpid()) + ".json");
  }();
  return board;
}

WaitBoard::WaitBoard(std::string path) : path_(std::move(path)) {
  std::lock_guard lock(mu_);
  PublishLocked();
}

WaitBoard::~WaitBoard() {
  ::unlink(path_.c_str());
}

WaitBoard::State WaitBoard::Current() const {
  std::lock_guard lock(mu_);
  return published_;
}

int64_t WaitBoard::Register() {
  std::lock_guard lock(mu_);
  int64_t id = next_id_++;
  workers_.push_back({id, Entry{}});
  PublishLocked();
  return id;
}

void WaitBoard::Unregister(int64_t id) {
  std::lock_guard lock(mu_);
  std::erase_if(workers_, [&](const auto& w) { return w.first == id; });
  PublishLocked();
}

void WaitBoard::Set(int64_t id, bool parked, std::optional<int64_t> until_us) {
  std::lock_guard lock(mu_);
  for (auto& [wid, e] : workers_) {
    if (wid == id) {
      e.parked = parked;
      e.until_us = until_us;
    }
  }
  PublishLocked();
}

void WaitBoard::PublishLocked() {
  State now;
  for (const auto& [id, e] : workers_) {
    if (!e.parked) {
      ++now.busy;
    } else if (e.until_us && (!now.until_us || *e.until_us < *now.until_us)) {
      now.until_us = e.until_us;
    }
  }
  if (ever_published_ && now.busy == published_.busy && now.until_us == published_.until_us) return;
  published_ = now;
  ever_published_ = true;
  ++seq_;
  // A reader must never see a half-written file: write a temp file, then rename it over the old one.
  std::string tmp = path_ + ".tmp";
  if (std::FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fprintf(f, "{\"pid\": %d, \"seq\": %lld, \"busy\": %lld, \"until_us\": ", static_cast<int>(::getpid()),
                 static_cast<long long>(seq_), static_cast<long long>(now.busy));
    if (now.until_us) {
      std::fprintf(f, "%lld}\n", static_cast<long long>(*now.until_us));
    } else {
      std::fprintf(f, "null}\n");
    }
    std::fclose(f);
    std::rename(tmp.c_str(), path_.c_str());
  }
}

WaitBoard::Worker::Worker(WaitBoard* board) : board_(board) {
  if (board_) id_ = board_->Register();
}

WaitBoard::Worker::~Worker() {
  if (board_) board_->Unregister(id_);
}

void WaitBoard::Worker::Park(std::optional<TimePoint> until) {
  if (board_) board_->Set(id_, true, until ? std::optional<int64_t>(ToEpochMicros(*until)) : std::nullopt);
}

void WaitBoard::Worker::Unpark() {
  if (board_) board_->Set(id_, false, std::nullopt);
}

}  // namespace datasync::core
