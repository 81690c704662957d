#include "hub/object_store/local_object_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "hub/object_store/durable_file_writer.hpp"

namespace wasl::object_store {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::uint64_t kReadChunk = 1 << 20;

Error local_io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
               "local object store: " + std::string(what) + " " + path.string() +
                   " failed: " + std::strerror(err),
               err != ENOENT);
}

std::string hex(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v & 0xf]);
    v >>= 4;
  } while (v != 0);
  return out;
}

std::string etag_of(const struct stat& st) {
  const std::uint64_t mtime_ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u +
                                 static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  return hex(static_cast<std::uint64_t>(st.st_ino)) + "-" + hex(mtime_ns) + "-" +
         hex(static_cast<std::uint64_t>(st.st_size));
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class LocalObjectWriter final : public ObjectWriter {
 public:
  LocalObjectWriter(std::string key, DurableFileWriter file)
      : key_(std::move(key)), file_(std::move(file)) {}
  ~LocalObjectWriter() override { abort(); }

  Status write(std::string_view bytes) override {
    if (done_) {
      return Error(ErrorCode::kFailedPrecondition,
                   "local object store: " + key_ + " is no longer being written", false);
    }
    Status s = file_.write(bytes);
    if (!s.ok()) abort();
    return s;
  }

  Result<ObjectInfo> commit() override {
    if (done_) {
      return Error(ErrorCode::kFailedPrecondition,
                   "local object store: " + key_ + " is no longer being written", false);
    }
    done_ = true;
    const std::uint64_t written = file_.bytes_written();
    Status committed = file_.commit();
    if (!committed.ok()) {
      file_.abort();
      return committed.error();
    }
    struct stat st {};
    if (::stat(file_.target().c_str(), &st) != 0)
      return local_io_error("checking", file_.target(), errno);
    if (static_cast<std::uint64_t>(st.st_size) != written) {
      return Error(ErrorCode::kUnavailable,
                   "local object store: " + file_.target().string() + " holds " +
                       std::to_string(st.st_size) + " bytes after " + std::to_string(written) +
                       " were written",
                   true);
    }
    return ObjectInfo{key_, written, etag_of(st)};
  }

  void abort() noexcept override {
    done_ = true;
    file_.abort();
  }

 private:
  std::string key_;
  DurableFileWriter file_;
  bool done_ = false;
};

}  // namespace

bool is_temporary_name(std::string_view name) {
  if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") return true;
  std::size_t at = name.rfind(".tmp-");
  if (at == std::string_view::npos) return false;
  std::string_view suffix = name.substr(at + 5);
  return suffix.size() == 16 && std::all_of(suffix.begin(), suffix.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

LocalObjectStore::LocalObjectStore(std::filesystem::path root, LocalObjectStoreOptions options)
    : root_(std::move(root)), prefix_((root_ / "").string()), options_(options) {}

std::string LocalObjectStore::locator(std::string_view key) const {
  return prefix_ + std::string(key);
}

std::optional<std::string> LocalObjectStore::key_of(std::string_view locator) const {
  if (locator.size() <= prefix_.size() || locator.substr(0, prefix_.size()) != prefix_) {
    return std::nullopt;
  }
  std::string key(locator.substr(prefix_.size()));
  if (!is_valid_key(key)) return std::nullopt;
  return key;
}

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::create(std::string_view key) {
  if (!is_valid_key(key)) return invalid_key(key);
  std::string_view name = key.substr(key.rfind('/') + 1);
  if (is_temporary_name(name)) {
    return Error(
        ErrorCode::kInvalidArgument,
        "local object store: the key " + std::string(key) + " is named like an unfinished object",
        false);
  }
  WASL_ASSIGN_OR_RETURN(DurableFileWriter file,
                        DurableFileWriter::create(root_ / key, options_.direct_io));
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<LocalObjectWriter>(std::string(key), std::move(file)));
}

Status LocalObjectStore::read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                              const sdk::ChunkSink& sink) {
  if (!is_valid_key(key)) return invalid_key(key);
  const std::filesystem::path path = root_ / key;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return local_io_error("opening", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return local_io_error("checking", path, errno);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset > size) {
    return Error(ErrorCode::kInvalidArgument,
                 "local object store: reading " + path.string() + " from byte " +
                     std::to_string(offset) + ", past its end (" + std::to_string(size) + " bytes)",
                 false);
  }
  std::uint64_t left = std::min(length, size - offset);
  if (left == 0) return {};
  const auto buffer_size = static_cast<std::size_t>(std::min(left, kReadChunk));
  auto buffer = std::make_unique<char[]>(buffer_size);
  std::uint64_t at = offset;
  while (left > 0) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_size));
    ssize_t n = ::pread(fd.get(), buffer.get(), want, static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      return local_io_error("reading", path, errno);
    }
    if (n == 0) break;  // the file was cut short while being read
    WASL_RETURN_IF_ERROR(sink(std::string_view(buffer.get(), static_cast<std::size_t>(n))));
    at += static_cast<std::uint64_t>(n);
    left -= static_cast<std::uint64_t>(n);
  }
  return {};
}

Result<std::optional<ObjectInfo>> LocalObjectStore::head(std::string_view key) {
  if (!is_valid_key(key)) return invalid_key(key);
  const std::filesystem::path path = root_ / key;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<ObjectInfo>();
    return local_io_error("checking", path, errno);
  }
  if (!S_ISREG(st.st_mode)) return std::optional<ObjectInfo>();
  return std::optional<ObjectInfo>(
      ObjectInfo{std::string(key), static_cast<std::uint64_t>(st.st_size), etag_of(st)});
}

Status LocalObjectStore::remove(std::string_view key) {
  if (!is_valid_key(key)) return invalid_key(key);
  const std::filesystem::path path = root_ / key;
  // What a re-encryption that crashed before object stores left beside it.
  std::filesystem::path legacy = path;
  legacy += ".tmp";
  bool removed = false;
  for (const std::filesystem::path& p : {legacy, path}) {
    if (::unlink(p.c_str()) == 0) {
      removed = true;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      return local_io_error("removing", p, errno);
    }
  }
  if (!removed) return {};
  return sync_directory(path.parent_path());
}

Result<std::vector<ObjectInfo>> LocalObjectStore::list(std::string_view prefix) {
  const std::size_t slash = prefix.rfind('/');
  const std::string dir_part =
      slash == std::string_view::npos ? std::string() : std::string(prefix.substr(0, slash));
  if (!dir_part.empty() && !is_valid_key(dir_part)) return invalid_key(prefix);
  const std::filesystem::path dir = dir_part.empty() ? root_ : root_ / dir_part;
  std::vector<ObjectInfo> out;
  std::error_code ec;
  auto it = std::filesystem::recursive_directory_iterator(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) return out;
    return local_io_error("listing", dir, ec.value());
  }
  for (auto end = std::filesystem::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec) return local_io_error("listing", dir, ec.value());
    const std::filesystem::directory_entry& entry = *it;
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec)) continue;
    if (is_temporary_name(entry.path().filename().string())) continue;
    std::string key = entry.path().lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) != 0 || !is_valid_key(key)) continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // removed while listed
      return local_io_error("checking", entry.path(), errno);
    }
    out.push_back(ObjectInfo{std::move(key), static_cast<std::uint64_t>(st.st_size), etag_of(st)});
  }
  if (ec) return local_io_error("listing", dir, ec.value());
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

}  // namespace wasl::object_store
