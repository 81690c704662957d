#include "wasl/sdk/media_relay.hpp"

#include <string>

#include <gtest/gtest.h>

#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::sdk {
namespace {

using testing::FakeHost;

constexpr char kUrl[] = "https://media.example.org/file";

HttpResponse answer(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

struct Received {
  std::string bytes;
  int calls = 0;
  ChunkSink sink() {
    return [this](std::string_view chunk) -> Status {
      bytes.append(chunk);
      ++calls;
      return {};
    };
  }
};

HttpRequest get() {
  HttpRequest request;
  request.url = kUrl;
  return request;
}

TEST(MediaRelay, ASuccessfulDownloadReachesTheSinkWhole) {
  FakeHost host;
  host.stream_chunk_size = 1000;
  std::string media(10'000, '\0');
  for (std::size_t i = 0; i < media.size(); ++i) media[i] = static_cast<char>(i * 7);
  host.respond("GET", kUrl, answer(200, media));
  Received received;
  ChunkSink sink = received.sink();
  MediaRelay relay(sink, 4096);
  auto response = host.http_streaming(get(), relay.chunk_sink());
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(relay.holding());
  EXPECT_EQ(relay.forwarded(), 10'000);
  EXPECT_EQ(received.calls, 6) << "the first five chunks go as one, then each as it comes";
  ASSERT_TRUE(relay.finish().ok());
  EXPECT_EQ(received.bytes, media);
  EXPECT_EQ(received.calls, 6);
}

TEST(MediaRelay, AnAnswerShorterThanTheHoldBackArrivesOnlyAtFinish) {
  FakeHost host;
  host.respond("GET", kUrl, answer(200, "tiny"));
  Received received;
  ChunkSink sink = received.sink();
  MediaRelay relay(sink, 4096);
  ASSERT_TRUE(host.http_streaming(get(), relay.chunk_sink()).ok());
  EXPECT_TRUE(relay.holding());
  EXPECT_EQ(received.calls, 0);
  ASSERT_TRUE(relay.finish().ok());
  EXPECT_EQ(received.bytes, "tiny");
  EXPECT_EQ(relay.forwarded(), 4);
  ASSERT_TRUE(relay.finish().ok());
  EXPECT_EQ(received.calls, 1) << "a second finish forwards nothing";
}

TEST(MediaRelay, AnErrorDocumentNeverReachesTheSink) {
  FakeHost host;
  const std::string document = "<Error><Code>AccessDenied</Code></Error>";
  host.respond("GET", kUrl, answer(403, document));
  Received received;
  ChunkSink sink = received.sink();
  MediaRelay relay(sink, 4096);
  auto response = host.http_streaming(get(), relay.chunk_sink());
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 403);
  EXPECT_EQ(relay.forwarded(), 0);
  EXPECT_EQ(relay.take_held(), document);
  EXPECT_EQ(received.calls, 0);
}

TEST(MediaRelay, AnErrorAnswerLargerThanTheHoldBackShowsAsForwarded) {
  FakeHost host;
  host.stream_chunk_size = 100;
  host.respond("GET", kUrl, answer(500, std::string(1000, 'x')));
  Received received;
  ChunkSink sink = received.sink();
  MediaRelay relay(sink, 256);
  ASSERT_TRUE(host.http_streaming(get(), relay.chunk_sink()).ok());
  EXPECT_GT(relay.forwarded(), 0) << "the caller must refuse the stream";
}

TEST(MediaRelay, TheSinksRefusalAbortsTheStreamAndIsKept) {
  FakeHost host;
  host.stream_chunk_size = 100;
  host.respond("GET", kUrl, answer(200, std::string(1000, 'x')));
  int calls = 0;
  ChunkSink sink = [&](std::string_view) -> Status {
    if (++calls == 2) return Error(ErrorCode::kResourceExhausted, "disk full", false);
    return {};
  };
  MediaRelay relay(sink, 150);
  auto response = host.http_streaming(get(), relay.chunk_sink());
  ASSERT_FALSE(response.ok());
  ASSERT_TRUE(relay.sink_error().has_value());
  EXPECT_EQ(relay.sink_error()->message, "disk full");
  EXPECT_EQ(relay.forwarded(), 200) << "the held 200 bytes, accepted in the first call";
}

TEST(MediaRelay, TheSinksRefusalAtFinishIsKept) {
  FakeHost host;
  host.respond("GET", kUrl, answer(200, "short"));
  ChunkSink sink = [](std::string_view) -> Status {
    return Error(ErrorCode::kResourceExhausted, "disk full", false);
  };
  MediaRelay relay(sink, 4096);
  ASSERT_TRUE(host.http_streaming(get(), relay.chunk_sink()).ok());
  EXPECT_FALSE(relay.finish().ok());
  ASSERT_TRUE(relay.sink_error().has_value());
  EXPECT_EQ(relay.forwarded(), 0);
}

}  // namespace
}  // namespace wasl::sdk
