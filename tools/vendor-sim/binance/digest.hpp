// Hex digests of the Binance bulk files: SHA-256 for the published .CHECKSUM files, MD5 for the ETag
// (S3 sends the MD5 of the object as the ETag of a single-part upload). OpenSSL's EVP interface;
// pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace datasync::vendorsim::binance {

// Lower-case hex, as sha256sum and S3 print them.
std::string Sha256Hex(std::string_view data);
std::string Md5Hex(std::string_view data);

}  // namespace datasync::vendorsim::binance
