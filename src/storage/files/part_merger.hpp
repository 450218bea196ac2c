// PartMerger: what a file format provides so that compaction can merge a partition's small part files into
// one, and so that a merged ("compacted") file can give up a unit that a later run rewrites, without
// decoding rows (Parquet copies whole row groups). A compacted file records which units it holds, in
// order; a plain part file holds the one unit its name says. Formats without a merger cannot be compacted.
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace datasync::storage::files {

// "<inode>:<size>:<mtime ns>" of a file, or "" when it cannot be read. A compacted file records this for
// each plain part it merged, so that a part a crashed compaction left behind is recognised as exactly that
// input (rename keeps all three), not as a later rewrite of the unit.
std::string FileIdentity(const std::filesystem::path& file);

class PartMerger {
 public:
  virtual ~PartMerger() = default;

  struct Member {
    std::string unit;    // the unit's safe name
    std::string source;  // FileIdentity of the plain part it came from; empty when unknown
  };
  // The units a compacted file holds, in file order; empty for a plain part file.
  virtual core::Result<std::vector<Member>> Members(const std::filesystem::path& file) const = 0;
  // Files with equal keys have the same columns and types and can be merged into one.
  virtual core::Result<std::string> LayoutKey(const std::filesystem::path& file) const = 0;

  struct Input {
    std::filesystem::path path;
    std::string unit;            // a plain part's unit (its safe name); empty for a compacted file
    std::string source;          // a plain part's FileIdentity, recorded with its unit
    std::set<std::string> drop;  // units of a compacted file to leave out
  };
  struct Output {
    int64_t rows = 0;
    int64_t bytes = 0;
    std::vector<Member> members;  // in file order
    std::string unit_list;        // what Publish keeps beside the file (text formats); empty otherwise
  };
  // Writes every kept unit of the inputs, in input order, into a new file at `out` (not synced: the
  // caller fsyncs and renames it). kPermanent when an input is not a file this merger can read.
  virtual core::Result<Output> Merge(const std::vector<Input>& inputs, const std::filesystem::path& out) const = 0;

  // Gives the merged file that Merge wrote at `tmp` (synced) its name `final`. A format whose unit list lives
  // in the file just renames it; one that keeps the list beside the file writes the list durably first.
  virtual core::Status Publish(const std::filesystem::path& tmp, const std::filesystem::path& final,
                               const Output& merged) const;
  // Deletes a compacted file (and what Publish kept beside it).
  virtual core::Status Remove(const std::filesystem::path& file) const;
  // Whether a compacted file that gives up units may be rewritten under its own name (readers then see the
  // old or the new file). A format whose unit list lives beside the file cannot replace both at once: its
  // rewrite gets a new name, and the old file goes after it (DatasetFolder).
  virtual bool RewritesInPlace() const { return true; }
};

}  // namespace datasync::storage::files
