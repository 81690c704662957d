// FileDrop: writes report files into one directory atomically, for
// ministries that collect files: each file is written under a temporary
// name in the same directory (mode 0600), flushed to disk, linked under its
// final name and the directory flushed, so a reader sees either no file or
// the whole file, never a part. An existing file is never replaced: the same
// bytes written again (a resend) are taken as written, other bytes under an
// existing name are refused (kAlreadyExists), so one report cannot replace
// another's file.
//
// What a caller writes here is outside the hub's encryption: it must hold
// no patient identifier (the sink writes de-identified copies), and the
// files are deleted after the facility's retention (sweep()).
//
// Thread-safe (each write uses its own temporary file).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::moh {

class FileDrop {
 public:
  explicit FileDrop(std::string directory) : directory_(std::move(directory)) {}

  // Writes `content` as `name` (a plain file name: letters, digits, '-',
  // '_' and '.', not starting with '.'), creating the directory (mode 0700)
  // when missing. Returns the final path. Errors: kInvalidArgument for a bad
  // name; kAlreadyExists (not retryable) when `name` exists with other
  // content; kUnavailable (retryable) when the directory or file cannot be
  // written (a full or read-only disk may recover).
  sdk::Result<std::string> write(std::string_view name, std::string_view content) const;

  // Deletes the files of `facility` (named by file_name() with that
  // facility) last written before `older_than`. Returns how many were
  // deleted; kUnavailable when the directory cannot be read. A missing
  // directory has nothing to delete.
  sdk::Result<int> sweep(std::string_view facility,
                         std::chrono::system_clock::time_point older_than) const;

  // "<facility>_<period label>_<what>.<extension>" with every character
  // outside [A-Za-z0-9-] of the parts replaced by '-' (so the first '_'
  // ends the facility).
  static std::string file_name(std::string_view facility, std::string_view period_label,
                               std::string_view what, std::string_view extension);

  // `name` ("<stem>.<extension>") with "-<tag>" before its extension, the
  // tag's characters outside [A-Za-z0-9-] replaced by '-' and at most 80
  // kept: another file's name for the same subject.
  static std::string tagged_name(std::string_view name, std::string_view tag);

 private:
  std::string directory_;
};

}  // namespace wasl::plugins::moh
