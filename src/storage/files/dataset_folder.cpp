#include "storage/files/dataset_folder.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <tuple>

#include "core/strings.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/part_layout.hpp"

namespace datasync::storage::files {

using core::Fail;
using core::Status;
namespace fs = std::filesystem;

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
  plain_.clear();
  if (auto st = ScanParts(); !st) return st;
  return alone ? Repair(repaired) : core::Ok();
}

Status DatasetFolder::SweepTemps(const std::vector<fs::path>& folders) {
  std::error_code ec;
  const std::string list_prefix = "." + std::string(kCompactedPrefix);
  for (const auto& folder : folders) {
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kTempPrefix) && name.ends_with(kTempSuffix)) {
        if (auto st = RemoveFileIfExists(it->path()); !st) return st;
      } else if (name.starts_with(list_prefix) && name.ends_with(kUnitListSuffix)) {
        // The unit list of a merged text file that a crash kept from appearing, or that was removed.
        std::string file = name.substr(1, name.size() - 1 - kUnitListSuffix.size());
        if (!PathExists(folder / file)) {
          if (auto st = RemoveFileIfExists(it->path()); !st) return st;
        }
      }
    }
    if (ec) return Fail(IoError("cannot list folder", folder, ec.value()));
  }
  return core::Ok();
}

std::string DatasetFolder::PartFileName(const std::string& unit) const {
  return std::string(kPartPrefix) + unit + "." + std::string(format_->extension());
}

Status DatasetFolder::ScanParts() {
  const PartMerger* merger = format_->merger();
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
      if (merger && name.starts_with(kCompactedPrefix)) {
        auto members = merger->Members(Path(folder) / name);
        if (!members) return Fail(members.error());
        if (!members->empty()) {
          compacted_[folder].push_back({name, std::move(*members)});
          continue;
        }
      }
      plain_[name.substr(kPartPrefix.size(), name.size() - kPartPrefix.size() - suffix.size())].insert(folder);
    }
  }
  return core::Ok();
}

DatasetFolder::Resolution DatasetFolder::Resolve() const {
  // A unit listed in a compacted file must have no other copy. (It is normally listed in the merged files
  // of several folders: its rows span partitions.) Three leftovers are possible:
  // 1. A compaction crashed after renaming its merged file, before removing its inputs: a plain part
  //    whose identity the merged file of its folder recorded is that input; it goes.
  // 2. A commit crashed after renaming a unit's new part file, before dropping the unit from merged
  //    files: any other plain part of the unit is newer, and the unit leaves every merged file.
  // 3. A compaction merged an older merged file and crashed before removing it: of two merged files in
  //    one folder that list a unit, the one with more members, which holds the same rows, keeps it.
  Resolution r;
  PlainParts plain = plain_;
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) {
        auto unit = plain.find(m.unit);
        if (m.source.empty() || unit == plain.end() || !unit->second.count(folder)) continue;
        if (FileIdentity(Path(folder) / PartFileName(m.unit)) != m.source) continue;
        r.leftover_parts.emplace_back(folder, m.unit);
        unit->second.erase(folder);
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
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) {
        if (plain.count(m.unit) || keeper[folder].at(m.unit) != &f) r.drops[{folder, f.name}].insert(m.unit);
      }
    }
  }
  return r;
}

Status DatasetFolder::Repair(int64_t* repaired) {
  Resolution r = Resolve();
  for (const auto& [folder, unit] : r.leftover_parts) {
    if (auto st = RemoveFileIfExists(Path(folder) / PartFileName(unit)); !st) return st;
    if (repaired) ++*repaired;
    auto it = plain_.find(unit);
    if (it != plain_.end()) {
      it->second.erase(folder);
      if (it->second.empty()) plain_.erase(it);
    }
  }
  std::set<std::string> touched;
  for (const auto& [where, units] : r.drops) {
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

std::vector<DatasetFolder::ReadFile> DatasetFolder::FilesToRead() const {
  Resolution r = Resolve();
  std::set<std::pair<std::string, std::string>> leftover(r.leftover_parts.begin(), r.leftover_parts.end());
  std::vector<ReadFile> out;
  for (const auto& [unit, folders] : plain_) {
    for (const auto& folder : folders) {
      if (!leftover.count({folder, unit})) out.push_back({folder, PartFileName(unit), {}});
    }
  }
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      auto drop = r.drops.find({folder, f.name});
      out.push_back({folder, f.name, drop == r.drops.end() ? std::set<std::string>{} : drop->second});
    }
  }
  std::sort(out.begin(), out.end(), [](const ReadFile& a, const ReadFile& b) {
    return std::tie(a.folder, a.name) < std::tie(b.folder, b.name);
  });
  return out;
}

Status DatasetFolder::RefreshCompacted() {
  // Only folders that hold merged files can have new ones: a merged file appears by a compaction (which
  // holds the dataset to itself) or by a rewrite of a merged file in the same folder.
  const std::string suffix = "." + std::string(format_->extension());
  for (auto& [folder, files] : compacted_) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(Path(folder), ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kCompactedPrefix) && name.ends_with(suffix)) names.push_back(name);
    }
    if (ec) return Fail(IoError("cannot list folder", Path(folder), ec.value()));
    std::sort(names.begin(), names.end());
    files.clear();
    for (const auto& name : names) {
      auto members = format_->merger()->Members(Path(folder) / name);
      if (!members) return Fail(members.error());
      files.push_back({name, std::move(*members)});
    }
  }
  return core::Ok();
}

Status DatasetFolder::DropUnits(const std::set<std::string>& units, std::set<std::string>& touched) {
  // Writers sharing the dataset take turns here (the merge lock). Where a rewrite gives a merged file a new
  // name, another writer's turn may have renamed the files this one knows: read them again.
  if (!format_->merger()->RewritesInPlace()) {
    if (auto st = RefreshCompacted(); !st) return st;
  }
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
  const PartMerger& merger = *format_->merger();
  if (!keeps) {
    if (auto removed = merger.Remove(path); !removed) return removed;
    files.erase(files.begin() + static_cast<ptrdiff_t>(index));
    return core::Ok();
  }
  // Rewrite the merged file without those units' rows; readers see the old or the new file. A format that
  // keeps the unit list beside the file writes a new file (a new name) and removes the old one after it: a
  // crash in between leaves both, and Resolve keeps each unit in the one with more members.
  std::string name = f.name;
  if (!merger.RewritesInPlace()) {
    std::string suffix = "." + std::string(format_->extension());
    std::string seed = f.name;
    for (const auto& unit : drop) seed += "\n" + unit;
    for (uint64_t salt = 0; name == f.name || PathExists(Path(folder) / name); ++salt) {
      name = std::string(kCompactedPrefix) + core::Hex64(core::Fnv1a64(seed, 0xcbf29ce484222325ULL + salt)) + suffix;
    }
  }
  fs::path target = Path(folder) / name;
  fs::path tmp = Path(folder) / ("." + name + std::string(kTempSuffix));
  PartMerger::Input input{path, "", "", drop};
  auto merged = merger.Merge({input}, tmp);
  if (!merged) {
    (void)RemoveFileIfExists(tmp);
    return Fail(merged.error());
  }
  if (auto synced = SyncPath(tmp); !synced) return synced;
  if (auto published = merger.Publish(tmp, target, *merged); !published) {
    (void)RemoveFileIfExists(tmp);
    return published;
  }
  if (name != f.name) {
    if (auto removed = merger.Remove(path); !removed) return removed;
  }
  f.name = std::move(name);
  f.members = std::move(merged->members);
  return core::Ok();
}

std::map<std::string, UnitVersion> DatasetFolder::LatestVersions(std::optional<int64_t> as_of_us) const {
  std::map<std::string, UnitVersion> latest;
  auto offer = [&](const std::string& folder, const std::string& name) {
    auto v = ParseVersionedUnit(name);
    if (!v || (as_of_us && v->stamp_us > *as_of_us)) return;
    auto [it, fresh] = latest.try_emplace(v->unit);
    UnitVersion& u = it->second;
    if (!fresh && v->stamp_us < u.stamp_us) return;
    if (fresh || v->stamp_us > u.stamp_us) u = UnitVersion{v->stamp_us, {}};
    u.digests[folder] = v->digest;
  };
  for (const auto& [unit, folders] : plain_) {
    for (const auto& folder : folders) offer(folder, unit);
  }
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) offer(folder, m.unit);
    }
  }
  return latest;
}

std::vector<DatasetFolder::ReadFile> DatasetFolder::VersionsToRead(std::optional<int64_t> as_of_us) const {
  std::set<std::pair<std::string, std::string>> chosen;  // (folder, the version's name)
  for (const auto& [unit, v] : LatestVersions(as_of_us)) {
    for (const auto& [folder, digest] : v.digests) chosen.insert({folder, VersionedUnitName(unit, v.stamp_us, digest)});
  }
  // An empty version's file holds only a marker row: chosen, it is read as nothing.
  auto wanted = [&](const std::string& folder, const std::string& name) {
    auto v = ParseVersionedUnit(name);
    return !v || (v->digest != 0 && chosen.count({folder, name}) > 0);
  };
  std::string suffix = "." + std::string(format_->extension());
  std::vector<ReadFile> out;
  for (auto& f : FilesToRead()) {
    const CompactedFile* compacted = nullptr;
    if (auto it = compacted_.find(f.folder); it != compacted_.end()) {
      for (const auto& c : it->second) {
        if (c.name == f.name) compacted = &c;
      }
    }
    if (!compacted) {
      std::string unit = f.name.substr(kPartPrefix.size(), f.name.size() - kPartPrefix.size() - suffix.size());
      if (wanted(f.folder, unit)) out.push_back(std::move(f));
      continue;
    }
    size_t kept = 0;
    for (const auto& m : compacted->members) {
      if (f.skip_units.count(m.unit)) continue;
      if (wanted(f.folder, m.unit)) {
        ++kept;
      } else {
        f.skip_units.insert(m.unit);
      }
    }
    if (kept > 0) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace datasync::storage::files
