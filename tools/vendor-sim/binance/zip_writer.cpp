#include "binance/zip_writer.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

#include "civil_date.hpp"
#include "sim_clock.hpp"

namespace datasync::vendorsim::binance {
namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndOfCentralSignature = 0x06054b50;
constexpr uint16_t kVersionNeeded = 20;  // 2.0: deflate
constexpr uint16_t kMethodDeflate = 8;

void Put16(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}

void Put32(std::string& out, uint32_t v) {
  Put16(out, v & 0xffff);
  Put16(out, v >> 16);
}

// Raw deflate (windowBits -15: no zlib header or trailer), as the ZIP format stores it.
std::string Deflate(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zip_writer: deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t written = zs.total_out;
  deflateEnd(&zs);
  // deflateBound guarantees room for the whole stream in one call.
  if (rc != Z_STREAM_END) throw std::runtime_error("zip_writer: deflate did not finish in its bound");
  out.resize(written);
  return out;
}

struct DosTime {
  uint16_t time;
  uint16_t date;
};

DosTime ToDos(int64_t secs) {
  constexpr int64_t kFirst = 315532800;  // 1980-01-01T00:00:00Z
  constexpr int64_t kLast = 4354819198;  // 2107-12-31T23:59:58Z
  secs = std::clamp(secs, kFirst, kLast);
  const int64_t days = FloorDiv(secs, 86400);
  const int64_t sod = secs - days * 86400;
  const CivilDate c = CivilFromDays(static_cast<int>(days));
  const auto time = static_cast<uint16_t>((sod / 3600) << 11 | (sod / 60 % 60) << 5 | (sod % 60) / 2);
  const auto date = static_cast<uint16_t>((c.year - 1980) << 9 | c.month << 5 | c.day);
  return {time, date};
}

}  // namespace

std::string ZipOneFile(std::string_view name, std::string_view data, int64_t mtime_secs) {
  if (data.size() >= 0xffffffffULL || name.size() > 0xffff) {
    throw std::invalid_argument("zip_writer: entry too large for a ZIP without ZIP64");
  }
  const std::string compressed = Deflate(data);
  const auto crc =
      static_cast<uint32_t>(crc32_z(crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
  const DosTime dos = ToDos(mtime_secs);

  // Fields shared by the local and the central header, from "version needed" to "extra field length".
  const auto common = [&](std::string& out) {
    Put16(out, kVersionNeeded);
    Put16(out, 0);  // flags: sizes in the header, name not UTF-8-flagged (plain ASCII)
    Put16(out, kMethodDeflate);
    Put16(out, dos.time);
    Put16(out, dos.date);
    Put32(out, crc);
    Put32(out, static_cast<uint32_t>(compressed.size()));
    Put32(out, static_cast<uint32_t>(data.size()));
    Put16(out, static_cast<uint32_t>(name.size()));
    Put16(out, 0);  // extra field length
  };

  std::string out;
  out.reserve(30 + name.size() + compressed.size() + 46 + name.size() + 22);
  Put32(out, kLocalHeaderSignature);
  common(out);
  out.append(name);
  out.append(compressed);

  const auto central_offset = static_cast<uint32_t>(out.size());
  Put32(out, kCentralHeaderSignature);
  Put16(out, kVersionNeeded);  // version made by: MS-DOS attributes, spec 2.0
  common(out);
  Put16(out, 0);  // comment length
  Put16(out, 0);  // disk number start
  Put16(out, 0);  // internal attributes
  Put32(out, 0);  // external attributes
  Put32(out, 0);  // offset of the local header
  out.append(name);
  const auto central_size = static_cast<uint32_t>(out.size() - central_offset);

  Put32(out, kEndOfCentralSignature);
  Put16(out, 0);  // this disk
  Put16(out, 0);  // disk with the central directory
  Put16(out, 1);  // entries on this disk
  Put16(out, 1);  // entries in total
  Put32(out, central_size);
  Put32(out, central_offset);
  Put16(out, 0);  // comment length
  if (out.size() >= 0xffffffffULL) throw std::invalid_argument("zip_writer: archive too large without ZIP64");
  return out;
}

}  // namespace datasync::vendorsim::binance
