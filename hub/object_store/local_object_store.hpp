// LocalObjectStore: objects as files under a root directory, "<root>/<key>",
// the archive's storage before object stores and still its default.
//
// - create(): a DurableFileWriter (durable_file_writer.hpp): bytes go to a
//   temporary file beside the target ("<key>.tmp-<random>", mode 0600, direct
//   I/O where the file system allows it and the buffers suit it); commit()
//   fsyncs it, renames it over the target and fsyncs the directory, so the
//   key is either absent or complete. A crash may leave a temporary file:
//   list() and head() never show one, and a later create() of the same key
//   is not disturbed by it.
// - read(): pread of at most 1 MiB at a time into one buffer, handed to the
//   sink chunk by chunk.
// - head(): stat. The etag is the file's inode, modification time and size
//   in hex, so a replaced object has another.
// - remove(): unlink (with the "<key>.tmp" a re-encryption that crashed
//   before object stores may have left beside it), then fsync of the
//   directory.
// - list(prefix): walks "<root>/<prefix up to its last '/'>" and keeps the
//   keys that start with the prefix.
// - locator(key) = (root / key).string(), what recordings.storage_path held
//   before object stores, so rows written then resolve to this store.
//
// Thread-safe: the object holds only its root; each call opens its own files.
#pragma once

#include <filesystem>

#include "hub/object_store/object_store.hpp"

namespace wasl::object_store {

struct LocalObjectStoreOptions {
  // O_DIRECT for objects being written, where the file system allows it.
  bool direct_io = true;
};

class LocalObjectStore final : public ObjectStore {
 public:
  explicit LocalObjectStore(std::filesystem::path root, LocalObjectStoreOptions options = {});

  std::string_view kind() const override { return "local"; }
  std::string locator(std::string_view key) const override;
  std::optional<std::string> key_of(std::string_view locator) const override;
  sdk::Result<std::unique_ptr<ObjectWriter>> create(std::string_view key) override;
  sdk::Status read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                   const sdk::ChunkSink& sink) override;
  sdk::Result<std::optional<ObjectInfo>> head(std::string_view key) override;
  sdk::Status remove(std::string_view key) override;
  sdk::Result<std::vector<ObjectInfo>> list(std::string_view prefix) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  std::string prefix_;  // (root_ / "").string(): every locator starts with it
  LocalObjectStoreOptions options_;
};

// True for a file name a writer uses while an object is unfinished
// ("*.tmp-<16 hex digits>", and "*.tmp" of re-encryptions before object
// stores): never an object.
bool is_temporary_name(std::string_view name);

}  // namespace wasl::object_store
