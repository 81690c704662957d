// DurableFileWriter: writes a file so that its final path is either absent or
// complete. Bytes go to "<target>.tmp-<random>" (created exclusively, mode
// 0600); commit() fsyncs it, renames it over `target` and fsyncs the
// directory. A writer destroyed without a successful commit() removes its
// temporary file, so a failed or abandoned archive leaves nothing behind
// (a crash may leave a *.tmp-* file, which nothing ever reads).
//
// Not thread-safe. Errors are kUnavailable with a sentence naming the path
// and the system's reason (disk full, permission denied, …).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::archive {

class DurableFileWriter {
 public:
  // Creates the target's directory (mode 0700) when missing, then the
  // temporary file.
  static sdk::Result<DurableFileWriter> create(const std::filesystem::path& target);

  DurableFileWriter(DurableFileWriter&& other) noexcept;
  DurableFileWriter& operator=(DurableFileWriter&& other) noexcept;
  DurableFileWriter(const DurableFileWriter&) = delete;
  DurableFileWriter& operator=(const DurableFileWriter&) = delete;
  ~DurableFileWriter();

  // Appends all of `bytes` (retrying short writes).
  sdk::Status write(std::string_view bytes);
  // fsync, close, rename over the target, fsync the directory. Once.
  sdk::Status commit();

  const std::filesystem::path& target() const { return target_; }
  std::uint64_t bytes_written() const { return written_; }

 private:
  DurableFileWriter(std::filesystem::path target, std::filesystem::path temporary, int fd);
  void discard() noexcept;

  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
  bool committed_ = false;
};

// fsync of the directory `dir`, so a rename or unlink in it is durable.
sdk::Status sync_directory(const std::filesystem::path& dir);

}  // namespace wasl::archive
