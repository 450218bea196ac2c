#include "oracle_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

namespace datasync::storage::testing {

namespace {

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

OracleProcess::OracleProcess(std::vector<std::string> argv, std::chrono::seconds answer_timeout)
    : argv_(std::move(argv)), answer_timeout_(answer_timeout) {}

OracleProcess::~OracleProcess() {
  Stop();
}

bool OracleProcess::Start(std::string& error) {
  buffered_.clear();
  int in[2], out[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
    error = Errno("socketpair");
    return false;
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    error = Errno("pipe2");
    ::close(in[0]);
    ::close(in[1]);
    return false;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "datasync-oracle-stderr-XXXXXX").string();
  int err = ::mkostemp(tmpl.data(), O_CLOEXEC | O_APPEND);
  if (err < 0) {
    error = Errno("mkostemp");
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return false;
  }
  ::unlink(tmpl.c_str());  // the open descriptors keep it; nothing is left behind
  pid_t pid = ::fork();
  if (pid < 0) {
    error = Errno("fork");
    for (int fd : {in[0], in[1], out[0], out[1], err}) ::close(fd);
    return false;
  }
  if (pid == 0) {
    // dup2 clears close-on-exec on 0, 1 and 2; every other descriptor of ours closes at exec.
    ::dup2(in[1], 0);
    ::dup2(out[1], 1);
    ::dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv_) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::string msg = "cannot run " + argv_[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    _exit(127);
  }
  ::close(in[1]);
  ::close(out[1]);
  pid_ = pid;
  stdin_fd_ = in[0];
  stdout_fd_ = out[0];
  stderr_fd_ = err;
  stderr_seen_ = 0;
  return true;
}

std::string OracleProcess::Stop() {
  if (pid_ < 0) return "";
  CloseFd(stdin_fd_);  // end of input: the oracle finishes its loop and exits
  CloseFd(stdout_fd_);
  int status = 0;
  pid_t got = 0;
  for (int i = 0; i < 500 && got == 0; ++i) {  // up to 5 s
    got = ::waitpid(pid_, &status, WNOHANG);
    if (got == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string how;
  if (got == 0) {
    ::kill(pid_, SIGKILL);
    got = ::waitpid(pid_, &status, 0);
    how = "did not exit at end of input and was killed";
  }
  if (got == pid_ && how.empty()) {
    how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
          : WIFSIGNALED(status)
              ? "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")"
              : "ended";
  }
  CloseFd(stderr_fd_);
  pid_ = -1;
  buffered_.clear();
  return how;
}

off_t OracleProcess::StderrSize() const {
  struct stat st {};
  return stderr_fd_ >= 0 && ::fstat(stderr_fd_, &st) == 0 ? st.st_size : 0;
}

std::string OracleProcess::StderrSince(off_t offset) const {
  constexpr off_t kMax = 16 << 10;
  off_t end = StderrSize();
  if (end - offset > kMax) offset = end - kMax;
  std::string text(static_cast<size_t>(std::max<off_t>(end - offset, 0)), '\0');
  ssize_t n = text.empty() ? 0 : ::pread(stderr_fd_, text.data(), text.size(), offset);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return text;
}

bool OracleProcess::ReadLine(std::string& line, std::string& error) {
  auto deadline = std::chrono::steady_clock::now() + answer_timeout_;
  size_t scanned = 0;
  for (;;) {
    auto nl = buffered_.find('\n', scanned);
    if (nl != std::string::npos) {
      line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return true;
    }
    scanned = buffered_.size();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      error = "no answer within " + std::to_string(answer_timeout_.count()) + " s";
      return false;
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      error = Errno("poll");
      return false;
    }
    if (ready == 0) continue;
    char buf[65536];
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n == 0 ? "its output ended" : Errno("read");
      return false;
    }
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

OracleProcess::Answer OracleProcess::Call(const std::vector<std::string>& args, nlohmann::json& output) {
  output = nullptr;
  Answer answer;
  std::string what = argv_.size() > 1 ? std::filesystem::path(argv_[1]).filename().string() : argv_[0];
  if (pid_ < 0) {
    std::string error;
    if (!Start(error)) {
      answer.error = "cannot start " + what + ": " + error;
      return answer;
    }
  }
  // Failing: stop the process, report how it ended and what it said.
  auto fail = [&](const std::string& why) {
    std::string stderr_text = StderrSince(stderr_seen_);
    std::string ended = Stop();
    answer.exit_code = -1;
    answer.error = what + " (--serve) failed: " + why + (ended.empty() ? "" : "; the process " + ended) +
                   (stderr_text.empty() ? "" : "; its stderr:\n" + stderr_text);
    return answer;
  };
  std::string request = nlohmann::json(args).dump() + "\n";
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(stdin_fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errno("writing the request"));
    sent += static_cast<size_t>(n);
  }
  std::string line, error;
  if (!ReadLine(line, error)) return fail(error);
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("exit") || !doc["exit"].is_number_integer()) {
    return fail("its answer is not {\"exit\", \"output\"}: " + line.substr(0, 400));
  }
  answer.exit_code = doc["exit"].get<int>();
  if (doc.contains("output")) output = std::move(doc["output"]);
  if (doc.contains("error") && doc["error"].is_string()) {
    std::string stderr_text = StderrSince(stderr_seen_);
    answer.error = what + " failed on " + nlohmann::json(args).dump() + ":\n" +
                   (stderr_text.empty() ? doc["error"].get<std::string>() : stderr_text);
  }
  stderr_seen_ = StderrSize();
  return answer;
}

}  // namespace datasync::storage::testing
