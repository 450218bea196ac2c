#include "storage/files/dataset_folder.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "storage/files/fs_util.hpp"
#include "storage/files/part_layout.hpp"

namespace datasync::storage::files {

using core::Fail;
using core::Status;
namespace fs = std::filesystem;

std::string FileIdentity(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
}

fs::path DatasetFolder::Path(const std::string& folder) const {
  return folder.empty() ? dir_ : dir_ / folder;
}

std::set<std::string> DatasetFolder::CompactedNames(const std::string& folder) const {
  std::set<std::string> names;
  if (auto it = compacted_.find(folder); it != compacted_.end()) {
    for (const auto& f : it->second) names.insert(f.name);
  }
  return names;
}

Status DatasetFolder::Scan(const fs::path& dir, const RowFormat& format, bool alone, int64_t* repaired) {
  dir_ = dir;
  format_ = &format;
  folders_.clear();
  folders_.insert("");
  std::error_code ec;
  std::vector<fs::path> folders{dir_};
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name[0] == '_') continue;
    if (it->is_directory(ec) && name.find('=') != std::string::npos) {
      folders_.insert(name);
      folders.push_back(it->path());
    }
  }
  if (ec) return Fail(IoError("cannot list folder", dir_, ec.value()));
  // Temps a crashed run left behind are garbage when this sink has the dataset to itself (with the lock
  // shared, they may be another writer's work in progress). Readers skip them anyway.
  if (alone) {
    if (auto st = SweepTemps(folders); !st) return st;
  }
  compacted_.clear();
  if (!format_->merger()) return core::Ok();
  PlainParts plain;
  if (auto st = ScanCompacted(plain); !st) return st;
  return alone ? Repair(plain, repaired) : core::Ok();
}

Status DatasetFolder::SweepTemps(const std::vector<fs::path>& folders) {
  std::error_code ec;
  for (const auto& folder : folders) {
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kTempPrefix) && name.ends_with(kTempSuffix)) {
        if (auto st = RemoveFileIfExists(it->path()); !st) return st;
      }
    }
    if (ec) return Fail(IoError("cannot list folder", folder, ec.value()));
  }
  return core::Ok();
}

Status DatasetFolder::ScanCompacted(PlainParts& plain) {
  const PartMerger& merger = *format_->merger();
  std::string suffix = "." + std::string(format_->extension());
  for (const auto& folder : folders_) {
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(Path(folder), ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kPartPrefix) && name.ends_with(suffix) && it->is_regular_file(ec)) names.push_back(name);
    }
    if (ec) return Fail(IoError("cannot list folder", Path(folder), ec.value()));
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (name.starts_with(kCompactedPrefix)) {
        auto members = merger.Members(Path(folder) / name);
        if (!members) return Fail(members.error());
        if (!members->empty()) {
          compacted_[folder].push_back({name, std::move(*members)});
          continue;
        }
      }
      plain[name.substr(kPartPrefix.size(), name.size() - kPartPrefix.size() - suffix.size())][folder] =
          FileIdentity(Path(folder) / name);
    }
  }
  return core::Ok();
}

Status DatasetFolder::Repair(PlainParts& plain, int64_t* repaired) {
  // A unit listed in a compacted file must have no other copy. (It is normally listed in the merged files
  // of several folders: its rows span partitions.) Three leftovers are possible:
  // 1. A compaction crashed after renaming its merged file, before removing its inputs: a plain part
  //    whose identity the merged file of its folder recorded is that input; it goes.
  // 2. A commit crashed after renaming a unit's new part file, before dropping the unit from merged
  //    files: any other plain part of the unit is newer, and the unit leaves every merged file.
  // 3. A compaction merged an older merged file and crashed before removing it: of two merged files in
  //    one folder that list a unit, the one with more members, which holds the same rows, keeps it.
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) {
        auto unit = plain.find(m.unit);
        if (m.source.empty() || unit == plain.end()) continue;
        auto at = unit->second.find(folder);
        if (at == unit->second.end() || at->second != m.source) continue;
        if (auto st = RemoveFileIfExists(Path(folder) /
                                         (std::string(kPartPrefix) + m.unit + "." + std::string(format_->extension())));
            !st) {
          return st;
        }
        if (repaired) ++*repaired;
        unit->second.erase(at);
        if (unit->second.empty()) plain.erase(unit);
      }
    }
  }
  std::map<std::string, std::map<std::string, const CompactedFile*>> keeper;  // folder -> unit -> file
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) {
        auto [it, fresh] = keeper[folder].try_emplace(m.unit, &f);
        const CompactedFile* k = it->second;
        if (!fresh &&
            (f.members.size() > k->members.size() || (f.members.size() == k->members.size() && f.name > k->name))) {
          it->second = &f;
        }
      }
    }
  }
  std::map<std::pair<std::string, std::string>, std::set<std::string>> drops;  // (folder, file) -> units
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) {
        if (plain.count(m.unit) || keeper[folder].at(m.unit) != &f) drops[{folder, f.name}].insert(m.unit);
      }
    }
  }
  std::set<std::string> touched;
  for (const auto& [where, units] : drops) {
    if (repaired) *repaired += static_cast<int64_t>(units.size());
    auto& files = compacted_[where.first];
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].name != where.second) continue;
      if (auto st = Rewrite(where.first, i, units); !st) return st;
      touched.insert(where.first);
      break;
    }
  }
  for (const auto& folder : touched) {
    if (auto st = SyncPath(Path(folder)); !st) return st;
  }
  return core::Ok();
}

Status DatasetFolder::DropUnits(const std::set<std::string>& units, std::set<std::string>& touched) {
  for (auto& [folder, files] : compacted_) {
    bool changed = false;
    for (size_t i = files.size(); i-- > 0;) {
      const CompactedFile& f = files[i];
      if (std::none_of(f.members.begin(), f.members.end(),
                       [&](const PartMerger::Member& m) { return units.count(m.unit) > 0; })) {
        continue;
      }
      changed = true;
      if (auto st = Rewrite(folder, i, units); !st) return st;
    }
    if (changed) touched.insert(folder);
  }
  return core::Ok();
}

Status DatasetFolder::Rewrite(const std::string& folder, size_t index, const std::set<std::string>& drop) {
  auto& files = compacted_[folder];
  CompactedFile& f = files[index];
  fs::path path = Path(folder) / f.name;
  if (!PathExists(path)) {  // another writer sharing the dataset dropped its last unit
    files.erase(files.begin() + static_cast<ptrdiff_t>(index));
    return core::Ok();
  }
  bool keeps =
      std::any_of(f.members.begin(), f.members.end(), [&](const PartMerger::Member& m) { return !drop.count(m.unit); });
  if (!keeps) {
    if (auto removed = RemoveFileIfExists(path); !removed) return removed;
    files.erase(files.begin() + static_cast<ptrdiff_t>(index));
    return core::Ok();
  }
  // Rewrite the merged file without those units' rows; readers see the old or the new file.
  fs::path tmp = Path(folder) / ("." + f.name + std::string(kTempSuffix));
  PartMerger::Input input{path, "", "", drop};
  auto merged = format_->merger()->Merge({input}, tmp);
  if (!merged) {
    (void)RemoveFileIfExists(tmp);
    return Fail(merged.error());
  }
  if (auto synced = SyncPath(tmp); !synced) return synced;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Fail(IoError("cannot rename into place", path, errno));
  f.members = std::move(merged->members);
  return core::Ok();
}

}  // namespace datasync::storage::files
