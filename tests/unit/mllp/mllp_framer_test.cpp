#include "hub/mllp/mllp_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace wasl::mllp {
namespace {

std::string framed(std::string_view message) {
  std::string out(1, kStartBlock);
  out += message;
  out += kEndBlock;
  out += kCarriageReturn;
  return out;
}

// What the framer makes of `stream` fed in chunks of `chunk` bytes: the
// messages it completes, each prefixed "!" when over-size.
std::vector<std::string> frame_all(MllpFramer& framer, std::string_view stream, std::size_t chunk) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    std::string_view part = stream.substr(at, chunk);
    while (!part.empty()) {
      part.remove_prefix(framer.feed(part));
      if (framer.state() == MllpFramer::State::kComplete) out.push_back(framer.take());
      if (framer.state() == MllpFramer::State::kOversize) out.push_back("!" + framer.take());
    }
  }
  return out;
}

TEST(MllpFramerTest, OneMessage) {
  MllpFramer framer(1024);
  const std::string stream = framed("MSH|^~\\&|A\rPID|1\r");
  EXPECT_EQ(framer.feed(stream), stream.size());
  ASSERT_EQ(framer.state(), MllpFramer::State::kComplete);
  EXPECT_EQ(framer.take(), "MSH|^~\\&|A\rPID|1\r");
  EXPECT_EQ(framer.state(), MllpFramer::State::kIdle);
}

TEST(MllpFramerTest, SplitAcrossChunksOfEverySize) {
  const std::string stream = framed("MSH|one\r") + framed("MSH|two\r");
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    MllpFramer framer(1024);
    EXPECT_EQ(frame_all(framer, stream, chunk),
              (std::vector<std::string>{"MSH|one\r", "MSH|two\r"}))
        << "chunk " << chunk;
  }
}

TEST(MllpFramerTest, SeveralMessagesInOneChunkComeOneAtATime) {
  MllpFramer framer(1024);
  const std::string stream = framed("a") + framed("b") + framed("c");
  std::string_view rest = stream;
  rest.remove_prefix(framer.feed(rest));
  ASSERT_EQ(framer.state(), MllpFramer::State::kComplete);
  EXPECT_EQ(rest.size(), stream.size() - 4);
  EXPECT_EQ(framer.feed(rest), 0U) << "nothing is read past a complete message before take()";
  EXPECT_EQ(framer.take(), "a");
  EXPECT_EQ(frame_all(framer, rest, rest.size()), (std::vector<std::string>{"b", "c"}));
}

TEST(MllpFramerTest, BytesBeforeTheStartBlockAreSkipped) {
  MllpFramer framer(1024);
  const std::string stream = "\r\n\r\njunk" + framed("a") + "\r\n" + framed("b");
  EXPECT_EQ(frame_all(framer, stream, 3), (std::vector<std::string>{"a", "b"}));
}

TEST(MllpFramerTest, JunkAloneLeavesTheFramerIdle) {
  MllpFramer framer(1024);
  EXPECT_EQ(framer.feed("\r\n\x1c\r"), 4U);
  EXPECT_EQ(framer.state(), MllpFramer::State::kIdle);
}

TEST(MllpFramerTest, EndBlockNotFollowedByCarriageReturnIsData) {
  MllpFramer framer(1024);
  std::string message = "a";
  message += kEndBlock;
  message += "b";
  message += kEndBlock;
  message += kEndBlock;
  const std::string stream = framed(message);
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    MllpFramer f(1024);
    EXPECT_EQ(frame_all(f, stream, chunk), std::vector<std::string>{message}) << "chunk " << chunk;
  }
}

TEST(MllpFramerTest, StartBlockInsideAMessageIsData) {
  MllpFramer framer(1024);
  EXPECT_EQ(frame_all(framer,
                      framed("a\x0b"
                             "b"),
                      2),
            std::vector<std::string>{"a\x0b"
                                     "b"});
}

TEST(MllpFramerTest, InMessageUntilTheEnd) {
  MllpFramer framer(1024);
  EXPECT_EQ(framer.feed("\x0bMSH"), 4U);
  EXPECT_EQ(framer.state(), MllpFramer::State::kInMessage);
  EXPECT_EQ(framer.feed("\x1c"), 1U);
  EXPECT_EQ(framer.state(), MllpFramer::State::kInMessage);
  EXPECT_EQ(framer.feed("\r"), 1U);
  EXPECT_EQ(framer.state(), MllpFramer::State::kComplete);
  EXPECT_EQ(framer.take(), "MSH");
}

TEST(MllpFramerTest, EmptyMessage) {
  MllpFramer framer(0);
  EXPECT_EQ(frame_all(framer, framed(""), 1), std::vector<std::string>{""});
}

TEST(MllpFramerTest, MessageOfExactlyTheLimitIsWhole) {
  MllpFramer framer(8);
  EXPECT_EQ(frame_all(framer, framed("12345678"), 3), std::vector<std::string>{"12345678"});
}

TEST(MllpFramerTest, OversizeIsReportedBeforeTheEndWithTheFirstBytes) {
  MllpFramer framer(100, 10);
  const std::string body(150, 'x');
  std::string stream =
      "\x0b"
      "0123456789" +
      body;
  EXPECT_EQ(framer.feed(stream), stream.size());
  ASSERT_EQ(framer.state(), MllpFramer::State::kOversize);
  EXPECT_EQ(framer.take(), "0123456789");
  // The rest of that message is skipped; the next one is read whole.
  const std::string after = std::string(500, 'y') + "\x1c\r" + framed("next");
  EXPECT_EQ(frame_all(framer, after, 7), std::vector<std::string>{"next"});
}

TEST(MllpFramerTest, OversizeKeepsAtMostTheLimit) {
  MllpFramer framer(4);  // keeps min(64 KiB, 4)
  EXPECT_EQ(frame_all(framer, framed("123456") + framed("ok"), 1),
            (std::vector<std::string>{"!1234", "ok"}));
}

TEST(MllpFramerTest, OversizeByAnEndBlockThatIsData) {
  MllpFramer framer(3);
  std::string message = "abc";
  message += kEndBlock;
  message += "d";
  EXPECT_EQ(frame_all(framer, framed(message) + framed("e"), 1),
            (std::vector<std::string>{"!abc", "e"}));
}

TEST(MllpFramerTest, OversizeMessageEndsAtItsEndBlockEvenAcrossChunks) {
  const std::string stream = framed(std::string(40, 'z')) + framed("after");
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    MllpFramer framer(16, 8);
    EXPECT_EQ(frame_all(framer, stream, chunk), (std::vector<std::string>{"!zzzzzzzz", "after"}))
        << "chunk " << chunk;
  }
}

TEST(MllpFramerTest, TakeOutsideAMessageIsEmpty) {
  MllpFramer framer(16);
  EXPECT_EQ(framer.take(), "");
  EXPECT_EQ(framer.feed("\x0b"
                        "ab"),
            3U);
  EXPECT_EQ(framer.take(), "");
  EXPECT_EQ(framer.state(), MllpFramer::State::kInMessage);
}

}  // namespace
}  // namespace wasl::mllp
