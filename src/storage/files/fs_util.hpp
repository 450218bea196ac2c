// Durable file-system steps the file sinks are built from: creating folders, writing a whole file
// atomically, fsyncing files and folders, and swapping two folders. Every function classifies failures
// the way the engine expects from a sink (disk full or I/O error -> kTransient, no permission ->
// kPermission, anything else -> kPermanent) and names the path in the message. Stateless; thread-safe.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace datasync::storage::files {

namespace fs = std::filesystem;

// The error for a failed system call on path (errno value err).
core::Error IoError(std::string_view what, const fs::path& path, int err);

// Creates dir and its missing parents; fsyncs the parent of every folder it created, so a commit that
// later renames files into dir does not lose the folder itself on power loss.
core::Status EnsureDirectory(const fs::path& dir);

// fsync on a file or a folder (a folder's fsync makes renames and unlinks inside it durable).
core::Status SyncPath(const fs::path& path);

// Writes bytes to path via a temp file in the same folder + fsync + rename + fsync of the folder, so
// readers see either the old or the new content, never a torn one.
core::Status WriteFileAtomically(const fs::path& path, std::string_view bytes);

// Writes all of bytes to an open file (retried on EINTR and short writes); the error names path.
core::Status WriteAll(int fd, std::string_view bytes, const fs::path& path);

// Reads a whole small file; kPermanent when it cannot.
core::Result<std::string> ReadWholeFile(const fs::path& path);

// A file descriptor, closed when it goes out of scope (-1: none).
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads exactly n bytes at offset `at` of an open file (pread, retried on EINTR and short reads);
// kPermanent naming the path when the file ends first (a truncated file).
core::Status ReadAt(int fd, char* dst, size_t n, int64_t at, const fs::path& path);

// Swaps the names of two existing folders in one step (renameat2 RENAME_EXCHANGE). Returns false, without
// changing anything, when the file system cannot do that, so the caller can fall back to two renames.
core::Result<bool> ExchangePaths(const fs::path& a, const fs::path& b);

// Whether anything (a file, a folder, a dangling link) has this name.
bool PathExists(const fs::path& path);

// Removes a file, treating "already gone" as success.
core::Status RemoveFileIfExists(const fs::path& path);

// Removes a folder tree, treating "already gone" as success.
core::Status RemoveTree(const fs::path& path);

}  // namespace datasync::storage::files
