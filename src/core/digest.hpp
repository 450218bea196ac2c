// Digests and random tokens (OpenSSL's libcrypto): SHA-256 of a value, and unguessable tokens for sign-in
// (API tokens, session cookies, CSRF tokens). Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace datasync::core {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);
// `bytes` bytes from the operating system's CSPRNG, as unpadded base64url (A-Z a-z 0-9 - _). Throws when
// the generator fails (it does not on Linux once booted).
std::string RandomToken(size_t bytes);

}  // namespace datasync::core
