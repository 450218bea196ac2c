#include "binance/digest.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace datasync::vendorsim::binance {
namespace {

std::string HexDigest(const EVP_MD* md, std::string_view data) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1) {
    throw std::runtime_error("digest: OpenSSL EVP digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (unsigned int i = 0; i < size; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  return HexDigest(EVP_sha256(), data);
}

std::string Md5Hex(std::string_view data) {
  return HexDigest(EVP_md5(), data);
}

}  // namespace datasync::vendorsim::binance
