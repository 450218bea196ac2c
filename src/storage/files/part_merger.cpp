#include "storage/files/part_merger.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "storage/files/fs_util.hpp"

namespace datasync::storage::files {

std::string FileIdentity(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
}

core::Status PartMerger::Publish(const fs::path& tmp, const fs::path& final, const Output&) const {
  if (::rename(tmp.c_str(), final.c_str()) != 0) return core::Fail(IoError("cannot rename into place", final, errno));
  return core::Ok();
}

core::Status PartMerger::Remove(const fs::path& file) const {
  return RemoveFileIfExists(file);
}

}  // namespace datasync::storage::files
