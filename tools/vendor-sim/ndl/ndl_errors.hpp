// The Nasdaq Data Link error vocabulary: every code the simulator answers, its HTTP status and its
// message, and the error body {"quandl_error":{"code":…,"message":…}}. The letter after "QE" is the class
// (L limit, A authentication, P permission, S syntax/parameter, C coverage/not found, M and X server).
// Pure functions and constant tables: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::vendorsim::ndl {

struct ErrorCode {
  std::string_view code;
  int status;
  // The message the simulator sends when nothing more specific is known (fault injection uses it).
  std::string_view message;
};

// Every code the simulator knows, in table order (the README lists the same).
const std::vector<ErrorCode>& ErrorCodes();
std::optional<ErrorCode> FindErrorCode(std::string_view code);

// An error answer: code, HTTP status, message, and a Retry-After in seconds when the answer carries one.
struct NdlError {
  std::string code;
  int status = 400;
  std::string message;
  std::optional<int64_t> retry_after_secs;
};

// The error with its table status and default message (the code must be known).
NdlError MakeError(std::string_view code);
NdlError MakeError(std::string_view code, std::string message);

// {"quandl_error":{"code":"QESx06","message":"…"}}
std::string ErrorBody(const NdlError& error);

}  // namespace datasync::vendorsim::ndl
