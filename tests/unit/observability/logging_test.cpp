#include "hub/observability/logging.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace wasl::observability {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("wasl_logging_test_" + std::to_string(::getpid()) + ".log");
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    ASSERT_TRUE(init_logging({"info", ""}).ok());
    std::filesystem::remove(path_);
  }
  std::vector<nlohmann::json> lines() {
    spdlog::default_logger()->flush();
    std::ifstream in(path_);
    std::vector<nlohmann::json> out;
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  std::filesystem::path path_;
};

TEST_F(LoggingTest, WritesOneJsonObjectPerLineWithRequestId) {
  ASSERT_TRUE(init_logging({"debug", path_.string()}).ok());
  spdlog::info("outside a request");
  {
    RequestIdScope scope("req-42");
    spdlog::warn("inside \"quoted\" \\ back\nnew line\ttab \x01 ctl and عربي");
    {
      RequestIdScope inner("req-43");
      spdlog::debug("nested");
    }
    spdlog::error("restored");
  }
  spdlog::trace("below the level");
  spdlog::info("invalid utf8 \xff\xfe end");
  auto got = lines();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0]["msg"], "outside a request");
  EXPECT_EQ(got[0]["level"], "info");
  EXPECT_FALSE(got[0].contains("request_id"));
  EXPECT_EQ(got[1]["msg"], "inside \"quoted\" \\ back\nnew line\ttab \x01 ctl and عربي");
  EXPECT_EQ(got[1]["level"], "warn");
  EXPECT_EQ(got[1]["request_id"], "req-42");
  EXPECT_EQ(got[2]["request_id"], "req-43");
  EXPECT_EQ(got[2]["level"], "debug");
  EXPECT_EQ(got[3]["request_id"], "req-42");
  EXPECT_EQ(got[3]["level"], "error");
  EXPECT_EQ(got[4]["msg"], "invalid utf8 \xEF\xBF\xBD\xEF\xBF\xBD end");
  std::regex ts(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const auto& j : got) {
    EXPECT_TRUE(std::regex_match(j["ts"].get<std::string>(), ts)) << j.dump();
    EXPECT_EQ(j.size(), j.contains("request_id") ? 4u : 3u);
  }
  EXPECT_EQ(current_request_id(), "");
}

TEST_F(LoggingTest, RequestIdIsPerThread) {
  ASSERT_TRUE(init_logging({"info", path_.string()}).ok());
  RequestIdScope scope("main-thread");
  std::thread([] { spdlog::info("from another thread"); }).join();
  spdlog::info("from main");
  auto got = lines();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].contains("request_id"));
  EXPECT_EQ(got[1]["request_id"], "main-thread");
}

TEST_F(LoggingTest, RedactsPhiInEveryMessage) {
  ASSERT_TRUE(init_logging({"info", path_.string()}).ok());
  spdlog::info("patient {} phone {} mail {}", "1012345678", "+966501234567", "a.b@c.example");
  spdlog::info("payload {}", R"({"name":"سارة","status":"ok"})");
  auto got = lines();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["msg"],
            "patient [redacted:national_id] phone [redacted:phone] mail [redacted:email]");
  EXPECT_EQ(got[1]["msg"], R"(payload {"name":"[redacted:name]","status":"ok"})");
}

// The members the serve command passes (the domain types' PHI members) are
// redacted beside the standard ones; without them a display_name would pass.
TEST_F(LoggingTest, RedactsTheMembersItIsGiven) {
  const std::string line = R"(added {"display_name":"Dr. Leaked","role":"doctor"})";
  ASSERT_TRUE(init_logging({"info", path_.string(), {"display_name"}}).ok());
  spdlog::info("{}", line);
  auto got = lines();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["msg"], R"(added {"display_name":"[redacted:display_name]","role":"doctor"})");
}

TEST_F(LoggingTest, RejectsUnknownLevelAndUnwritableFile) {
  auto bad_level = init_logging({"loud", ""});
  ASSERT_FALSE(bad_level.ok());
  EXPECT_EQ(bad_level.error().code, sdk::ErrorCode::kInvalidArgument);
  auto bad_file = init_logging({"info", "/dev/null/x/wasl.log"});
  ASSERT_FALSE(bad_file.ok());
  EXPECT_NE(bad_file.error().message.find("/dev/null/x/wasl.log"), std::string::npos);
}

}  // namespace
}  // namespace wasl::observability
