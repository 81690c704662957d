#include "hub/config/substitution.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/test_files.hpp"

namespace wasl::config {
namespace {

using test_support::ScopedEnv;
using test_support::TempDir;
using ::testing::ElementsAre;

TEST(Substitute, LeavesPlainTextAlone) {
  const auto s = substitute("postgresql://db/wasl", ".");
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(s.substituted());
  EXPECT_EQ(s.value, "postgresql://db/wasl");
  EXPECT_EQ(s.origin(), "");
}

TEST(Substitute, ExpandsAnEnvironmentVariableInsideText) {
  ScopedEnv env("WASL_TEST_SUB_PASSWORD", "p@ss");
  const auto s = substitute("postgresql://wasl:${env:WASL_TEST_SUB_PASSWORD}@db/wasl", ".");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value, "postgresql://wasl:p@ss@db/wasl");
  EXPECT_THAT(s.sources, ElementsAre("${env:WASL_TEST_SUB_PASSWORD}"));
  EXPECT_THAT(s.secrets, ElementsAre("p@ss"));
  EXPECT_EQ(s.origin(), " (value from ${env:WASL_TEST_SUB_PASSWORD})");
}

TEST(Substitute, ReadsAFileRelativeToTheBaseDirAndDropsOneTrailingNewline) {
  TempDir dir;
  dir.write("secrets/token", "abc\n\n");
  const auto s = substitute("${file:secrets/token}", dir.path().string());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value, "abc\n");
  EXPECT_THAT(s.secrets, ElementsAre("abc\n"));

  dir.write("crlf", "xyz\r\n");
  EXPECT_EQ(substitute("${file:crlf}", dir.path().string()).value, "xyz");
}

TEST(Substitute, ReadsAnAbsoluteFileWhateverTheBaseDir) {
  TempDir dir;
  const std::string file = dir.write("token", "t0k3n");
  const auto s = substitute("${file:" + file + "}", "/nonexistent");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value, "t0k3n");
}

TEST(Substitute, NamesAMissingVariableButNoValue) {
  ScopedEnv env("WASL_TEST_SUB_MISSING", std::nullopt);
  const auto s = substitute("x${env:WASL_TEST_SUB_MISSING}", ".");
  EXPECT_THAT(s.errors, ElementsAre("environment variable WASL_TEST_SUB_MISSING is not set "
                                    "(${env:WASL_TEST_SUB_MISSING})"));
}

TEST(Substitute, NamesAnUnreadableFile) {
  TempDir dir;
  const auto s = substitute("${file:nope.txt}", dir.path().string());
  EXPECT_THAT(s.errors, ElementsAre("cannot read file " + (dir.path() / "nope.txt").string() +
                                    " (No such file or directory; from ${file:nope.txt})"));
  const auto d = substitute("${file:.}", dir.path().string());
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_THAT(d.errors[0], ::testing::HasSubstr("it is a directory"));
}

TEST(Substitute, RefusesAFileLargerThanOneMebibyte) {
  TempDir dir;
  dir.write("big", std::string((1 << 20) + 1, 'x'));
  const auto s = substitute("${file:big}", dir.path().string());
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_THAT(s.errors[0], ::testing::HasSubstr("larger than 1 MiB"));
}

TEST(Substitute, RejectsMalformedReferences) {
  EXPECT_THAT(substitute("${env:NO_CLOSE", ".").errors,
              ElementsAre("unterminated ${env:…}: expected ${env:NAME} or ${file:PATH}"));
  EXPECT_THAT(substitute("${env:9LIVES}", ".").errors,
              ElementsAre("${env:9LIVES} does not name an environment variable (letters, "
                          "digits and _)"));
  EXPECT_THAT(substitute("${file:}", ".").errors, ElementsAre("${file:} names no file"));
}

TEST(Substitute, KeepsEscapedAndForeignReferencesAsWritten) {
  const auto s = substitute("$${env:HOME} ${trigger.id} $5", ".");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s.substituted());
  EXPECT_EQ(s.value, "${env:HOME} ${trigger.id} $5");
}

}  // namespace
}  // namespace wasl::config
