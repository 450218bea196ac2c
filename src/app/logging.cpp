#include "app/logging.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "core/secrets.hpp"

namespace datasync::app {

namespace {

spdlog::level::level_enum ToSpd(core::LogLevel l) {
  switch (l) {
    case core::LogLevel::kTrace: return spdlog::level::trace;
    case core::LogLevel::kDebug: return spdlog::level::debug;
    case core::LogLevel::kInfo: return spdlog::level::info;
    case core::LogLevel::kWarn: return spdlog::level::warn;
    case core::LogLevel::kError: return spdlog::level::err;
    case core::LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// The logger of the process, for ShutDownLogging; the backend holds its own reference.
std::mutex g_logger_mu;
std::shared_ptr<spdlog::logger> g_logger;

}  // namespace

std::optional<core::LogLevel> ParseLogLevel(const std::string& name) {
  if (name == "trace") return core::LogLevel::kTrace;
  if (name == "debug") return core::LogLevel::kDebug;
  if (name == "info") return core::LogLevel::kInfo;
  if (name == "warn" || name == "warning") return core::LogLevel::kWarn;
  if (name == "error") return core::LogLevel::kError;
  if (name == "off") return core::LogLevel::kOff;
  return std::nullopt;
}

void SetUpLogging(core::LogLevel stderr_level, const std::filesystem::path& logs_dir) {
  std::vector<spdlog::sink_ptr> sinks;
  auto err = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  err->set_level(ToSpd(stderr_level));
  err->set_pattern("%^%l%$: %v");
  sinks.push_back(err);
  core::LogLevel threshold = stderr_level;
  if (!logs_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(logs_dir, ec);
    try {
      auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>((logs_dir / "datasync.log").string(),
                                                                         10 * 1024 * 1024, 5);
      file->set_level(spdlog::level::info);
      file->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] [pid %P] %v");
      sinks.push_back(file);
      threshold = std::min(threshold, core::LogLevel::kInfo);
    } catch (const spdlog::spdlog_ex& e) {
      err->log(spdlog::details::log_msg("", spdlog::level::warn,
                                        std::string("cannot open the log file in ") + logs_dir.string() + ": " +
                                            e.what()));
    }
  }
  auto logger = std::make_shared<spdlog::logger>("datasync", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::trace);
  // Every line the file gets (info and above) is written at once: an operator tails the file while a run
  // goes on, and several processes append to it, so a line held in a buffer shows up late and out of order.
  logger->flush_on(spdlog::level::info);
  {
    std::lock_guard lock(g_logger_mu);
    g_logger = logger;
  }
  core::SetLogLevel(threshold);
  core::SetLogBackend([logger](core::LogLevel level, std::string_view msg) { logger->log(ToSpd(level), "{}", msg); });
}

void ShutDownLogging(std::string_view last_line) {
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard lock(g_logger_mu);
    logger.swap(g_logger);
  }
  core::SetLogBackend(nullptr);  // from here on, lines go to stderr
  if (!logger) return;
  // A line being written holds the old backend, and so the logger: when ours is the only reference left,
  // no line is in flight.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (logger.use_count() > 1 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!last_line.empty()) logger->info("{}", core::Redact(last_line));
  logger->flush();
}

}  // namespace datasync::app
