// ArchiveFile: one rendered file of the archive at one revision: the zip bytes, its SHA-256 (the .CHECKSUM
// file's content), its ETag and its publication time (Last-Modified). A pure function of (file, seed,
// revision): the same inputs give the same bytes across requests and restarts. A plain value: thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "binance/archive_path.hpp"

namespace datasync::vendorsim::binance {

struct ArchiveFile {
  std::string zip;
  std::string sha256_hex;
  std::string etag;  // quoted, as sent: "\"<md5 hex>\""
  int64_t last_modified_secs = 0;
};

// [sim] The archive publishes a file 8 h after its period ends; each regeneration is an hour later.
int64_t PublicationSecs(const ArchivePath& file, int revision);

ArchiveFile RenderArchive(const ArchivePath& file, uint64_t seed, int revision);

// The .CHECKSUM body: "<sha256 hex>  <file name>\n", as sha256sum prints it.
std::string ChecksumBody(const std::string& sha256_hex, const ArchivePath& file);

// S3's ETag of an object uploaded in one part: its MD5, quoted.
std::string EtagOf(const std::string& body);

}  // namespace datasync::vendorsim::binance
