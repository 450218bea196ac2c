#include "binance/archive_file.hpp"

#include "binance/digest.hpp"
#include "binance/klines.hpp"
#include "binance/zip_writer.hpp"

namespace datasync::vendorsim::binance {

int64_t PublicationSecs(const ArchivePath& file, int revision) {
  return file.EndMs() / 1000 + 8 * 3600 + static_cast<int64_t>(revision) * 3600;
}

ArchiveFile RenderArchive(const ArchivePath& file, uint64_t seed, int revision) {
  ArchiveFile out;
  out.last_modified_secs = PublicationSecs(file, revision);
  out.zip = ZipOneFile(file.Stem() + ".csv", KlineCsv(file, seed, revision), out.last_modified_secs);
  out.sha256_hex = Sha256Hex(out.zip);
  out.etag = EtagOf(out.zip);
  return out;
}

std::string ChecksumBody(const std::string& sha256_hex, const ArchivePath& file) {
  return sha256_hex + "  " + file.Stem() + ".zip\n";
}

std::string EtagOf(const std::string& body) {
  return "\"" + Md5Hex(body) + "\"";
}

}  // namespace datasync::vendorsim::binance
