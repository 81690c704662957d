// DurableFileWriter: writes a file so that its final path is either absent or
// complete. Bytes go to "<target>.tmp-<random>" (created exclusively, mode
// 0600); commit() fsyncs it, renames it over `target` and fsyncs the
// directory. A writer destroyed without a successful commit() removes its
// temporary file, so a failed or abandoned archive leaves nothing behind
// (a crash may leave a *.tmp-* file, which nothing ever reads).
//
// Direct I/O (create(target, true)): the file is opened with O_DIRECT where
// the file system allows it, so large writes go from the caller's buffer to
// the disk without a page-cache copy and commit()'s fsync has little left to
// flush. A write of a buffer aligned to kDirectAlignment with a size that is
// a multiple of it goes direct; any other write (the file's tail) turns direct
// I/O off for the rest of the file. Where O_DIRECT is refused, the file is
// written through the page cache as usual.
//
// Not thread-safe. Errors are kUnavailable with a sentence naming the path
// and the system's reason (disk full, permission denied, …).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::object_store {

class DurableFileWriter {
 public:
  // Buffers given to a direct write are aligned to this, and sized in multiples of it.
  static constexpr std::size_t kDirectAlignment = 4096;

  // Creates the target's directory (mode 0700) when missing, then the
  // temporary file; with `direct`, opened for direct I/O where possible.
  static sdk::Result<DurableFileWriter> create(const std::filesystem::path& target,
                                               bool direct = false);

  DurableFileWriter(DurableFileWriter&& other) noexcept;
  DurableFileWriter& operator=(DurableFileWriter&& other) noexcept;
  DurableFileWriter(const DurableFileWriter&) = delete;
  DurableFileWriter& operator=(const DurableFileWriter&) = delete;
  ~DurableFileWriter();

  // Appends all of `bytes` (retrying short writes).
  sdk::Status write(std::string_view bytes);
  // fsync, close, rename over the target, fsync the directory. Once.
  sdk::Status commit();
  // Closes and removes the temporary file; the target is untouched. Safe
  // after commit() (then it does nothing) and twice.
  void abort() noexcept { discard(); }

  const std::filesystem::path& target() const { return target_; }
  std::uint64_t bytes_written() const { return written_; }
  // True while writes may still go direct.
  bool direct() const { return direct_; }

 private:
  DurableFileWriter(std::filesystem::path target, std::filesystem::path temporary, int fd,
                    bool direct);
  sdk::Status stop_direct();
  void discard() noexcept;

  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
  bool committed_ = false;
  bool direct_ = false;
};

// fsync of the directory `dir`, so a rename or unlink in it is durable.
sdk::Status sync_directory(const std::filesystem::path& dir);

}  // namespace wasl::object_store
