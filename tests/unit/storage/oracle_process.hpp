// A persistent oracle process: one of the independent readers of tests/oracles (read_parquet.mjs,
// read_xlsx.py) running in its --serve mode, so that a test binary pays node's or python's start-up, and the
// reader's, once instead of once per read. Each Call writes one request line (a JSON array of the
// arguments the oracle's command line takes) to the process's stdin and reads one answer line,
// {"exit", "output", "error"}, from its stdout.
// Lifecycle: the process starts on the first Call; one that dies, breaks the protocol or does not answer
// within the timeout is reported by that Call, with the process's stderr, and the next Call starts a new
// one; the destructor closes its stdin (the oracle ends at end of input) and reaps it.
// Thread-safety: none; one test thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace datasync::storage::testing {

class OracleProcess {
 public:
  // argv: the server's command line (no shell), e.g. {"node", ".../read_parquet.mjs", "--serve"}.
  explicit OracleProcess(std::vector<std::string> argv,
                         std::chrono::seconds answer_timeout = std::chrono::seconds(300));
  ~OracleProcess();
  OracleProcess(const OracleProcess&) = delete;
  OracleProcess& operator=(const OracleProcess&) = delete;

  struct Answer {
    int exit_code = -1;  // what the oracle's command line would have returned; -1 when there is no answer
    std::string error;   // empty, or why the read failed: the oracle's stderr (a stack trace), the exit
                         // status of a process that died, a broken answer
  };
  // Runs one request; output is the document the command line would have printed (null when none).
  Answer Call(const std::vector<std::string>& args, nlohmann::json& output);

 private:
  bool Start(std::string& error);
  // Closes stdin and reaps the process (killing it after a bounded wait); returns how it ended.
  std::string Stop();
  // What the process wrote to its stderr from offset on (the last 16 KiB when there is more).
  std::string StderrSince(off_t offset) const;
  off_t StderrSize() const;
  // Reads until a whole line is buffered; false on end of output or timeout (why in error).
  bool ReadLine(std::string& line, std::string& error);

  std::vector<std::string> argv_;
  std::chrono::seconds answer_timeout_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;      // our end of a socket pair: sent with MSG_NOSIGNAL, so a dead reader is EPIPE
  int stdout_fd_ = -1;     // read end of the process's stdout pipe
  int stderr_fd_ = -1;     // an unlinked temp file the process appends its stderr to
  off_t stderr_seen_ = 0;  // stderr up to here came before the last answer
  std::string buffered_;
};

}  // namespace datasync::storage::testing
