// FileDrop: writes report files into one directory atomically, for
// ministries that collect files: each file is written under a temporary
// name in the same directory, flushed to disk, renamed over its final name
// and the directory flushed, so a reader sees either no file or the whole
// file, never a part. A file written again (a resend) is replaced by the
// same bytes.
//
// Thread-safe (each write uses its own temporary file).
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::moh {

class FileDrop {
 public:
  explicit FileDrop(std::string directory) : directory_(std::move(directory)) {}

  // Writes `content` as `name` (a plain file name: letters, digits, '-',
  // '_' and '.', not starting with '.'), creating the directory when
  // missing. Returns the final path. Errors: kInvalidArgument for a bad
  // name; kUnavailable (retryable) when the directory or file cannot be
  // written (a full or read-only disk may recover).
  sdk::Result<std::string> write(std::string_view name, std::string_view content) const;

  // "<facility>_<period label>_<what>.<extension>" with every character
  // outside [A-Za-z0-9-] of the parts replaced by '-'.
  static std::string file_name(std::string_view facility, std::string_view period_label,
                               std::string_view what, std::string_view extension);

 private:
  std::string directory_;
};

}  // namespace wasl::plugins::moh
