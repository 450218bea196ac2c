#include "datasource/files/archive.hpp"

#include <zip.h>
#include <zlib.h>

#include <memory>
#include <vector>

#include "core/strings.hpp"

namespace datasync::datasource::files {

namespace {

using core::ErrorKind;

core::Error ArchiveError(ErrorKind kind, std::string message, std::string code = "bad_archive") {
  core::Error e(kind, std::move(message));
  e.WithCode(std::move(code));
  return e;
}

core::Error TooLarge(std::string_view name, size_t max_bytes) {
  return ArchiveError(ErrorKind::kPermanent,
                      std::string(name) + ": unpacks to more than " + std::to_string(max_bytes >> 20) +
                          " MiB of text, the most datasync reads of one file; ask the vendor for smaller files "
                          "(daily instead of monthly)",
                      "archive_too_large");
}

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && core::ToLower(s.substr(s.size() - suffix.size())) == core::ToLower(suffix);
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

core::Result<Unpacked> UnpackZip(std::string_view bytes, std::string_view name, size_t max_bytes,
                                 std::string_view member, std::string_view member_suffix) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return core::Fail(ArchiveError(ErrorKind::kInternal, std::string(name) + ": " + why));
  }
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (!archive) {
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(source);
    return core::Fail(ArchiveError(ErrorKind::kTransient,
                                   std::string(name) + ": not a readable zip archive (" + why + ", " +
                                       std::to_string(bytes.size()) +
                                       " bytes): the download was cut short or the vendor is rewriting the file"));
  }
  zip_error_fini(&error);

  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  std::vector<std::pair<zip_uint64_t, std::string>> files;  // data members: no directories
  for (zip_int64_t i = 0; i < entries; ++i) {
    const char* n = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), 0);
    if (n == nullptr) continue;
    std::string entry(n);
    if (!entry.empty() && entry.back() == '/') continue;
    files.emplace_back(static_cast<zip_uint64_t>(i), std::move(entry));
  }
  auto names = [&] {
    std::string out;
    for (size_t i = 0; i < files.size() && i < 8; ++i) out += (i ? ", " : "") + files[i].second;
    if (files.size() > 8) out += ", … (" + std::to_string(files.size()) + " in all)";
    return out.empty() ? std::string("none") : out;
  };
  std::optional<size_t> pick;
  if (!member.empty()) {
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].second == member) pick = i;
    }
    if (!pick) {
      return core::Fail(ArchiveError(ErrorKind::kPermanent, std::string(name) + ": the zip has no member '" +
                                                                std::string(member) + "' (it holds " + names() + ")"));
    }
  } else if (files.size() == 1) {
    pick = 0;
  } else {
    for (size_t i = 0; i < files.size(); ++i) {
      if (!EndsWithNoCase(files[i].second, member_suffix)) continue;
      if (pick) {
        return core::Fail(ArchiveError(ErrorKind::kPermanent,
                                       std::string(name) + ": the zip holds several " + std::string(member_suffix) +
                                           " members (" + names() + "); name the one to read in the dataset's `member`"));
      }
      pick = i;
    }
    if (!pick) {
      return core::Fail(ArchiveError(ErrorKind::kPermanent, std::string(name) + ": the zip holds no " +
                                                                std::string(member_suffix) + " member (it holds " +
                                                                names() + ")"));
    }
  }
  const auto& [index, entry] = files[*pick];
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(archive.get(), index, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) && st.size > max_bytes) {
    return core::Fail(TooLarge(name, max_bytes));
  }
  std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive.get(), index, 0));
  if (!file) {
    return core::Fail(ArchiveError(ErrorKind::kPermanent, std::string(name) + ": cannot read the zip member '" + entry +
                                                              "': " + zip_strerror(archive.get())));
  }
  Unpacked out;
  out.member = entry;
  if ((st.valid & ZIP_STAT_SIZE) && st.size <= max_bytes) out.text.reserve(static_cast<size_t>(st.size));
  char buf[1 << 16];
  for (;;) {
    zip_int64_t n = zip_fread(file.get(), buf, sizeof buf);
    if (n < 0) {
      return core::Fail(ArchiveError(ErrorKind::kTransient,
                                     std::string(name) + ": the zip member '" + entry + "' is damaged (" +
                                         zip_file_strerror(file.get()) +
                                         "): the download was cut short or the vendor is rewriting the file"));
    }
    if (n == 0) break;
    if (out.text.size() + static_cast<size_t>(n) > max_bytes) return core::Fail(TooLarge(name, max_bytes));
    out.text.append(buf, static_cast<size_t>(n));
  }
  return out;
}

core::Result<Unpacked> UnpackGzip(std::string_view bytes, std::string_view name, size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    return core::Fail(ArchiveError(ErrorKind::kInternal, std::string(name) + ": zlib could not start"));
  }
  std::unique_ptr<z_stream, void (*)(z_stream*)> guard(&z, [](z_stream* s) { inflateEnd(s); });
  Unpacked out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  char buf[1 << 16];
  int rc = Z_OK;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof buf - z.avail_out;
    if (out.text.size() + produced > max_bytes) return core::Fail(TooLarge(name, max_bytes));
    out.text.append(buf, produced);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // another member follows
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // ran out of input inside a member: cut short
    break;
  }
  if (rc != Z_STREAM_END) {
    const char* why = rc == Z_BUF_ERROR || rc == Z_OK ? "it ends in the middle of the stream" : (z.msg ? z.msg : "bad data");
    return core::Fail(ArchiveError(ErrorKind::kTransient,
                                   std::string(name) + ": not a readable gzip stream (" + why +
                                       "): the download was cut short or the vendor is rewriting the file"));
  }
  return out;
}

}  // namespace

ArchiveKind ArchiveKindOfName(std::string_view name) {
  if (EndsWithNoCase(name, ".zip")) return ArchiveKind::kZip;
  if (EndsWithNoCase(name, ".gz") || EndsWithNoCase(name, ".gzip")) return ArchiveKind::kGzip;
  return ArchiveKind::kNone;
}

std::string_view ArchiveKindName(ArchiveKind kind) {
  switch (kind) {
    case ArchiveKind::kNone: return "none";
    case ArchiveKind::kZip: return "zip";
    case ArchiveKind::kGzip: return "gzip";
  }
  return "none";
}

core::Result<Unpacked> Unpack(std::string_view bytes, ArchiveKind kind, std::string_view name, size_t max_bytes,
                              std::string_view member, std::string_view member_suffix) {
  switch (kind) {
    case ArchiveKind::kZip: return UnpackZip(bytes, name, max_bytes, member, member_suffix);
    case ArchiveKind::kGzip: return UnpackGzip(bytes, name, max_bytes);
    case ArchiveKind::kNone: break;
  }
  if (bytes.size() > max_bytes) return core::Fail(TooLarge(name, max_bytes));
  return Unpacked{std::string(bytes), ""};
}

}  // namespace datasync::datasource::files
