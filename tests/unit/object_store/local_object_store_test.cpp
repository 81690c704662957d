#include "hub/object_store/local_object_store.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "tests/unit/crypto/scratch_dir.hpp"
#include "tests/unit/storage/status_matchers.hpp"

namespace wasl::object_store {
namespace {

using sdk::ErrorCode;

std::string bytes_of(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);  // seeded: the same bytes every run
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(gen());
  return out;
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every file under `dir` (temporary ones included), relative, sorted.
std::vector<std::string> files_under(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path().lexically_relative(dir).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LocalObjectStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  std::filesystem::path root() const { return scratch_.path() / "objects"; }

  // Writes `content` to `key` in pieces of `piece` bytes and commits.
  ObjectInfo put(const std::string& key, const std::string& content, std::size_t piece = 4096) {
    auto writer = store_.create(key);
    EXPECT_TRUE(writer.ok()) << writer.error().message;
    if (!writer.ok()) return {};
    for (std::size_t at = 0; at < content.size(); at += piece) {
      EXPECT_TRUE((*writer)->write(std::string_view(content).substr(at, piece)).ok());
    }
    auto info = (*writer)->commit();
    EXPECT_TRUE(info.ok()) << info.error().message;
    return info.ok() ? *info : ObjectInfo{};
  }

  sdk::Result<std::string> get(const std::string& key, std::uint64_t offset, std::uint64_t length,
                               int* chunks = nullptr) {
    std::string out;
    WASL_RETURN_IF_ERROR(store_.read(key, offset, length, [&](std::string_view chunk) {
      EXPECT_LE(chunk.size(), std::size_t{1} << 20) << "pread in chunks of at most 1 MiB";
      out.append(chunk);
      if (chunks) ++*chunks;
      return sdk::ok_status();
    }));
    return out;
  }

  crypto::testing::ScratchDir scratch_;
  LocalObjectStore store_{root(), LocalObjectStoreOptions{GetParam()}};
};

TEST_P(LocalObjectStoreTest, ACommittedObjectIsDurableCompleteAndReadable) {
  // Aligned 4 KiB pieces go direct where the file system allows it, and the
  // odd-sized tail through the page cache: the bytes are the same.
  const std::string content = bytes_of(3 * 4096 * 64 + 123, 1);
  ObjectInfo info = put("fac-a/rec-1.k1.wse", content, 4096 * 64);
  EXPECT_EQ(info.key, "fac-a/rec-1.k1.wse");
  EXPECT_EQ(info.size, content.size());
  EXPECT_FALSE(info.etag.empty());
  EXPECT_EQ(file_text(root() / "fac-a" / "rec-1.k1.wse"), content);
  EXPECT_EQ(std::filesystem::status(root() / "fac-a" / "rec-1.k1.wse").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ASSERT_OK_AND_ASSIGN(auto head, store_.head("fac-a/rec-1.k1.wse"));
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, content.size());
  EXPECT_EQ(head->etag, info.etag);
  EXPECT_EQ(get("fac-a/rec-1.k1.wse", 0, UINT64_MAX).value(), content);
  // Only the object is left: no temporary file.
  EXPECT_EQ(files_under(root()), std::vector<std::string>{"fac-a/rec-1.k1.wse"});
  // The locator is (root / key), as recordings.storage_path held it before.
  EXPECT_EQ(store_.locator("fac-a/rec-1.k1.wse"), (root() / "fac-a/rec-1.k1.wse").string());
  EXPECT_EQ(store_.key_of(store_.locator("fac-a/rec-1.k1.wse")), "fac-a/rec-1.k1.wse");
}

TEST_P(LocalObjectStoreTest, ReplacingAnObjectChangesItsEtag) {
  ObjectInfo first = put("k.wse", "first version");
  ObjectInfo second = put("k.wse", "second, longer version");
  EXPECT_NE(first.etag, second.etag);
  EXPECT_EQ(get("k.wse", 0, UINT64_MAX).value(), "second, longer version");
}

TEST_P(LocalObjectStoreTest, AnAbortedOrAbandonedObjectLeavesNothing) {
  {
    auto writer = store_.create("fac-a/aborted.wse");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->write(bytes_of(100000, 2)).ok());
    (*writer)->abort();
    (*writer)->abort();  // twice is fine
    EXPECT_EQ((*writer)->write("x").error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ((*writer)->commit().error().code, ErrorCode::kFailedPrecondition);
  }
  {
    auto writer = store_.create("fac-a/abandoned.wse");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->write(bytes_of(5000, 3)).ok());
  }  // destroyed uncommitted
  EXPECT_EQ(files_under(root()), std::vector<std::string>{});
  ASSERT_OK_AND_ASSIGN(auto head, store_.head("fac-a/aborted.wse"));
  EXPECT_FALSE(head.has_value());
  // An object being written is invisible until committed, and an existing
  // one stays as it was while it is replaced.
  put("fac-a/live.wse", "old");
  auto writer = store_.create("fac-a/live.wse");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->write("new bytes").ok());
  EXPECT_EQ(get("fac-a/live.wse", 0, UINT64_MAX).value(), "old");
  ASSERT_OK_AND_ASSIGN(auto listed, store_.list("fac-a/"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].size, 3u);
  ASSERT_TRUE((*writer)->commit().ok());
  EXPECT_EQ(get("fac-a/live.wse", 0, UINT64_MAX).value(), "new bytes");
}

TEST_P(LocalObjectStoreTest, WhatACrashLeavesIsNeverAnObject) {
  // A writer killed before its rename leaves "<key>.tmp-<16 hex>"; a
  // re-encryption from before object stores left "<key>.tmp".
  std::filesystem::create_directories(root() / "fac-a");
  std::ofstream(root() / "fac-a" / "rec-2.k1.wse.tmp-0123456789abcdef") << "partial";
  std::ofstream(root() / "fac-a" / "rec-3.k1.wse.tmp") << "partial";
  put("fac-a/rec-1.k1.wse", "whole");
  ASSERT_OK_AND_ASSIGN(auto listed, store_.list(""));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, "fac-a/rec-1.k1.wse");
  ASSERT_OK_AND_ASSIGN(auto head, store_.head("fac-a/rec-2.k1.wse"));
  EXPECT_FALSE(head.has_value());
  // The leftover does not disturb a new object of the same key.
  put("fac-a/rec-2.k1.wse", "again");
  EXPECT_EQ(get("fac-a/rec-2.k1.wse", 0, UINT64_MAX).value(), "again");
  // A key named like a temporary file is refused, so none can be mistaken.
  auto named_like_one = store_.create("fac-a/x.wse.tmp-0123456789abcdef");
  ASSERT_FALSE(named_like_one.ok());
  EXPECT_EQ(named_like_one.error().code, ErrorCode::kInvalidArgument);
  // Removing a key also removes the old re-encryption's leftover beside it.
  std::ofstream(root() / "fac-a" / "rec-1.k1.wse.tmp") << "partial";
  ASSERT_OK(store_.remove("fac-a/rec-1.k1.wse"));
  EXPECT_FALSE(std::filesystem::exists(root() / "fac-a" / "rec-1.k1.wse.tmp"));
}

TEST_P(LocalObjectStoreTest, RangesAreStreamedInChunksOfAtMostOneMebibyte) {
  const std::string content = bytes_of((3 << 20) + 17, 4);
  put("big.wse", content, 1 << 20);
  int chunks = 0;
  EXPECT_EQ(get("big.wse", 0, UINT64_MAX, &chunks).value(), content);
  EXPECT_EQ(chunks, 4);
  EXPECT_EQ(get("big.wse", 5, 10).value(), content.substr(5, 10));
  EXPECT_EQ(get("big.wse", (1 << 20) - 3, 6).value(), content.substr((1 << 20) - 3, 6));
  // Clipped at the end; empty at the end; refused past it.
  EXPECT_EQ(get("big.wse", content.size() - 4, 100).value(), content.substr(content.size() - 4));
  EXPECT_EQ(get("big.wse", content.size(), 100).value(), "");
  EXPECT_EQ(get("big.wse", 0, 0).value(), "");
  auto past = get("big.wse", content.size() + 1, 1);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().code, ErrorCode::kInvalidArgument);
  // A missing object is kNotFound.
  auto missing = get("absent.wse", 0, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // A sink error stops the read and is returned.
  int calls = 0;
  auto stopped = store_.read("big.wse", 0, UINT64_MAX, [&calls](std::string_view) {
    ++calls;
    return sdk::Status(sdk::Error(ErrorCode::kCancelled, "enough"));
  });
  EXPECT_EQ(stopped.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_P(LocalObjectStoreTest, ListFindsCommittedObjectsByPrefixInKeyOrder) {
  put("fac-b/r2.k1.wse", "bb");
  put("fac-a/r2.k1.wse", "a2");
  put("fac-a/r1.k1.wse", "a1");
  put("fac-a/x/deep.wse", "deep");
  put("fac-ab/r1.k1.wse", "ab");
  auto keys = [this](std::string_view prefix) {
    std::vector<std::string> out;
    auto listed = store_.list(prefix);
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    if (listed.ok()) {
      for (const auto& o : *listed) out.push_back(o.key);
    }
    return out;
  };
  EXPECT_EQ(keys("fac-a/"),
            (std::vector<std::string>{"fac-a/r1.k1.wse", "fac-a/r2.k1.wse", "fac-a/x/deep.wse"}));
  EXPECT_EQ(keys("fac-a"), (std::vector<std::string>{"fac-a/r1.k1.wse", "fac-a/r2.k1.wse",
                                                     "fac-a/x/deep.wse", "fac-ab/r1.k1.wse"}));
  EXPECT_EQ(keys("fac-a/r1"), (std::vector<std::string>{"fac-a/r1.k1.wse"}));
  EXPECT_EQ(keys("").size(), 5u);
  EXPECT_EQ(keys("fac-z/"), std::vector<std::string>{});
  ASSERT_OK_AND_ASSIGN(auto sized, store_.list("fac-b/"));
  ASSERT_EQ(sized.size(), 1u);
  EXPECT_EQ(sized[0].size, 2u);
  EXPECT_EQ(store_.list("../").error().code, ErrorCode::kInvalidArgument);
}

TEST_P(LocalObjectStoreTest, RemoveIsDurableAndAnAbsentKeyIsFine) {
  put("fac-a/r1.k1.wse", "x");
  ASSERT_OK(store_.remove("fac-a/r1.k1.wse"));
  EXPECT_FALSE(std::filesystem::exists(root() / "fac-a" / "r1.k1.wse"));
  ASSERT_OK(store_.remove("fac-a/r1.k1.wse"));
  ASSERT_OK(store_.remove("never/was.wse"));
  ASSERT_OK_AND_ASSIGN(auto head, store_.head("fac-a/r1.k1.wse"));
  EXPECT_FALSE(head.has_value());
}

TEST_P(LocalObjectStoreTest, KeysOutsideTheRootAreRefusedAndChangeNothing) {
  std::ofstream(scratch_.path() / "outside.wse") << "not the store's";
  for (std::string_view bad :
       {"", "/etc/passwd", "../outside.wse", "fac-a/../../outside.wse", "fac-a//r.wse", "fac-a/",
        "./r.wse", "fac a/r.wse", "fac-a/r\n.wse"}) {
    SCOPED_TRACE(std::string(bad));
    EXPECT_FALSE(is_valid_key(bad));
    EXPECT_EQ(store_.create(bad).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_.head(bad).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_.remove(bad).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(
        store_.read(bad, 0, 1, [](std::string_view) { return sdk::ok_status(); }).error().code,
        ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(file_text(scratch_.path() / "outside.wse"), "not the store's");
  EXPECT_EQ(files_under(root()), std::vector<std::string>{});
  // Locators: only what lies under the root, as a valid key, is this store's.
  EXPECT_EQ(store_.key_of((scratch_.path() / "outside.wse").string()), std::nullopt);
  EXPECT_EQ(store_.key_of(root().string() + "/../outside.wse"), std::nullopt);
  EXPECT_EQ(store_.key_of(root().string() + "x/r.wse"), std::nullopt);
  EXPECT_EQ(store_.key_of("s3://bucket/fac-a/r.wse"), std::nullopt);
  EXPECT_EQ(store_.key_of(root().string() + "/fac-a/r.wse"), "fac-a/r.wse");
}

TEST_P(LocalObjectStoreTest, ConcurrentWritersOfDifferentKeys) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 5; ++i) {
        put("fac-a/t" + std::to_string(t) + "-" + std::to_string(i) + ".wse",
            bytes_of(10000 + t, static_cast<unsigned>(t * 10 + i)));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_OK_AND_ASSIGN(auto listed, store_.list("fac-a/"));
  EXPECT_EQ(listed.size(), 20u);
  EXPECT_EQ(get("fac-a/t2-3.wse", 0, UINT64_MAX).value(), bytes_of(10002, 23));
}

INSTANTIATE_TEST_SUITE_P(DirectIo, LocalObjectStoreTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "direct" : "buffered"; });

}  // namespace
}  // namespace wasl::object_store
