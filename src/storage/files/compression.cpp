#include "storage/files/compression.hpp"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace datasync::storage::files {

using core::ErrorKind;
using core::Fail;

core::Result<Compression> ParseCompression(std::string_view name) {
  if (name == "none" || name.empty()) return Compression::kNone;
  if (name == "gzip" || name == "gz") return Compression::kGzip;
  if (name == "zstd" || name == "zst") return Compression::kZstd;
  return Fail(ErrorKind::kConfig, "compression '" + std::string(name) + "' is not allowed (allowed: none, gzip, zstd)");
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

std::string_view CompressionSuffix(Compression c) {
  switch (c) {
    case Compression::kNone: return "";
    case Compression::kGzip: return ".gz";
    case Compression::kZstd: return ".zst";
  }
  return "";
}

namespace {

// Plain text is handed to the compressor once this much has gathered, which keeps calls few and large.
constexpr size_t kChunkBytes = size_t{256} << 10;

class CompressingWriter final : public RowFormatWriter {
 public:
  CompressingWriter(std::unique_ptr<RowFormatWriter> inner, Compression c) : inner_(std::move(inner)), kind_(c) {}
  ~CompressingWriter() override {
    if (gzip_open_) deflateEnd(&gzip_);
    if (zstd_) ZSTD_freeCCtx(zstd_);
  }

  core::Status Begin(std::string& out) override {
    if (kind_ == Compression::kGzip) {
      std::memset(&gzip_, 0, sizeof gzip_);
      // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
      if (deflateInit2(&gzip_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Fail(ErrorKind::kTransient, "cannot start gzip compression (out of memory)");
      }
      gzip_open_ = true;
    } else {
      zstd_ = ZSTD_createCCtx();
      if (!zstd_) return Fail(ErrorKind::kTransient, "cannot start zstd compression (out of memory)");
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_compressionLevel, 3);
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_checksumFlag, 1);
    }
    if (auto st = inner_->Begin(plain_); !st) return st;
    return Drain(out, false);
  }

  core::Status WriteRows(const core::ColumnBatch& batch, std::span<const uint32_t> rows, std::string& out) override {
    if (auto st = inner_->WriteRows(batch, rows, plain_); !st) return st;
    return plain_.size() >= kChunkBytes ? Drain(out, false) : core::Ok();
  }

  core::Status End(std::string& out) override {
    if (auto st = inner_->End(plain_); !st) return st;
    return Drain(out, true);
  }

 private:
  core::Status Drain(std::string& out, bool finish) {
    if (plain_.empty() && !finish) return core::Ok();
    if (kind_ == Compression::kGzip) {
      gzip_.next_in = reinterpret_cast<Bytef*>(plain_.data());
      gzip_.avail_in = static_cast<uInt>(plain_.size());
      int flush = finish ? Z_FINISH : Z_NO_FLUSH;
      for (;;) {
        size_t at = out.size();
        size_t room = deflateBound(&gzip_, gzip_.avail_in) + 64;
        out.resize(at + room);
        gzip_.next_out = reinterpret_cast<Bytef*>(out.data() + at);
        gzip_.avail_out = static_cast<uInt>(room);
        int rc = deflate(&gzip_, flush);
        out.resize(at + room - gzip_.avail_out);
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) return Fail(ErrorKind::kInternal, "gzip compression failed");
        if (!finish && gzip_.avail_in == 0) break;
      }
    } else {
      ZSTD_inBuffer in{plain_.data(), plain_.size(), 0};
      ZSTD_EndDirective mode = finish ? ZSTD_e_end : ZSTD_e_continue;
      for (;;) {
        size_t at = out.size();
        size_t room = ZSTD_CStreamOutSize();
        out.resize(at + room);
        ZSTD_outBuffer o{out.data() + at, room, 0};
        size_t left = ZSTD_compressStream2(zstd_, &o, &in, mode);
        out.resize(at + o.pos);
        if (ZSTD_isError(left)) return Fail(ErrorKind::kInternal, std::string("zstd: ") + ZSTD_getErrorName(left));
        if (finish ? left == 0 : in.pos == in.size) break;
      }
    }
    plain_.clear();
    return core::Ok();
  }

  std::unique_ptr<RowFormatWriter> inner_;
  Compression kind_;
  std::string plain_;
  z_stream gzip_{};
  bool gzip_open_ = false;
  ZSTD_CCtx* zstd_ = nullptr;
};

}  // namespace

std::unique_ptr<RowFormatWriter> CompressWriter(std::unique_ptr<RowFormatWriter> inner, Compression c) {
  if (c == Compression::kNone) return inner;
  return std::make_unique<CompressingWriter>(std::move(inner), c);
}

namespace {

// A writer that hands on the text it is given, for CompressingWriter to compress in one go.
class PassThroughWriter final : public RowFormatWriter {
 public:
  explicit PassThroughWriter(std::string_view text) : text_(text) {}
  core::Status Begin(std::string& out) override {
    out.append(text_);
    return core::Ok();
  }
  core::Status WriteRows(const core::ColumnBatch&, std::span<const uint32_t>, std::string&) override {
    return core::Ok();
  }
  core::Status End(std::string&) override { return core::Ok(); }

 private:
  std::string_view text_;
};

}  // namespace

core::Result<std::string> CompressWhole(std::string_view plain, Compression c) {
  if (c == Compression::kNone) return std::string(plain);
  CompressingWriter writer(std::make_unique<PassThroughWriter>(plain), c);
  std::string out;
  if (auto st = writer.Begin(out); !st) return Fail(st.error());
  if (auto st = writer.End(out); !st) return Fail(st.error());
  return out;
}

core::Result<std::string> DecompressWhole(std::string_view data, Compression c, std::string_view what) {
  if (c == Compression::kNone) return std::string(data);
  auto bad = [&](const std::string& why) {
    return Fail(ErrorKind::kPermanent,
                std::string(what) + " is not a complete " + std::string(CompressionName(c)) + " stream (" + why + ")");
  };
  std::string out;
  char buf[64 * 1024];
  if (c == Compression::kGzip) {
    z_stream z{};
    // windowBits 15 + 16: gzip only. A member's end resets the stream for the next one.
    if (inflateInit2(&z, 15 + 16) != Z_OK) return Fail(ErrorKind::kTransient, "cannot start gzip decompression");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    while (true) {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = inflate(&z, Z_NO_FLUSH);
      out.append(buf, sizeof buf - z.avail_out);
      if (rc == Z_STREAM_END) {
        if (z.avail_in == 0) break;
        inflateReset(&z);
        continue;
      }
      if (rc != Z_OK) break;
      if (z.avail_in == 0 && z.avail_out != 0) {
        rc = Z_BUF_ERROR;  // the input ended inside a member
        break;
      }
    }
    std::string msg = z.msg ? z.msg : "cut short";
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return bad(msg);
    return out;
  }
  ZSTD_DCtx* d = ZSTD_createDCtx();
  if (!d) return Fail(ErrorKind::kTransient, "cannot start zstd decompression");
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t left = 0;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf, sizeof buf, 0};
    left = ZSTD_decompressStream(d, &o, &in);
    if (ZSTD_isError(left)) {
      std::string why = ZSTD_getErrorName(left);
      ZSTD_freeDCtx(d);
      return bad(why);
    }
    out.append(buf, o.pos);
  }
  // Flush what the last frame still holds.
  while (left != 0) {
    ZSTD_outBuffer o{buf, sizeof buf, 0};
    left = ZSTD_decompressStream(d, &o, &in);
    if (ZSTD_isError(left) || o.pos == 0) break;
    out.append(buf, o.pos);
  }
  ZSTD_freeDCtx(d);
  if (left != 0) return bad("cut short");
  return out;
}

}  // namespace datasync::storage::files
