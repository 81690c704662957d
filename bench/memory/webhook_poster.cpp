// wasl_webhook_poster: posts N Standard Webhooks-signed events to a running
// hub's hospital webhook, from C keep-alive connections, as fast as they are
// answered; each event has its own webhook-id and correlation. For
// bench/memory/run.
//
//   wasl_webhook_poster --port P --facility F --secret whsec_… [--count N] [--clients C]
//                       [--first K]
//
// Prints one JSON line: {"accepted": …, "other": …, "seconds": …}.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <nlohmann/json.hpp>

#include "hub/webhooks/standard_webhook_signature.hpp"

int main(int argc, char** argv) {
  using namespace wasl;
  std::map<std::string, std::string> args{
      {"--count", "1000000"}, {"--clients", "8"}, {"--first", "0"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  for (const char* required : {"--port", "--facility", "--secret"}) {
    if (args[required].empty()) {
      std::cerr << "wasl_webhook_poster: " << required << " is required\n";
      return 2;
    }
  }
  auto signer = webhooks::StandardWebhookSignature::from_secret(args["--secret"]);
  if (!signer.ok()) {
    std::cerr << "wasl_webhook_poster: " << signer.error().message << "\n";
    return 2;
  }
  const long long count = std::stoll(args["--count"]);
  const long long first = std::stoll(args["--first"]);
  const int clients = std::max(1, std::stoi(args["--clients"]));
  const auto port = static_cast<Poco::UInt16>(std::stoi(args["--port"]));
  const std::string path = "/v1/webhooks/hospital." + args["--facility"];

  std::atomic<long long> next{0};
  std::atomic<long long> accepted{0};
  std::atomic<long long> other{0};
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      Poco::Net::HTTPClientSession session("127.0.0.1", port);
      session.setKeepAlive(true);
      session.setTimeout(Poco::Timespan(30, 0));
      for (long long i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
        const std::string id = "msg_mem_" + std::to_string(first + i);
        const std::string body =
            nlohmann::json{{"type", "appointment.updated"},
                           {"correlation", "Appointment/mem-" + std::to_string(first + i)},
                           {"payload", {{"status", "arrived"}}}}
                .dump();
        const std::int64_t ts = std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
        auto signature = signer->sign(id, ts, body);
        if (!signature.ok()) {
          ++other;
          continue;
        }
        Poco::Net::HTTPRequest request("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setKeepAlive(true);
        request.setContentType("application/json");
        request.set("webhook-id", id);
        request.set("webhook-timestamp", std::to_string(ts));
        request.set("webhook-signature", *signature);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        // A keep-alive connection the server closed just as the request went
        // out is retried on a new connection; the webhook id makes a resend
        // harmless (a duplicate answers 200).
        for (int attempt = 1;; ++attempt) {
          try {
            session.sendRequest(request) << body;
            Poco::Net::HTTPResponse response;
            std::istream& in = session.receiveResponse(response);
            Poco::NullOutputStream sink;
            Poco::StreamCopier::copyStream(in, sink);
            int status = response.getStatus();
            (status == 202 || status == 200 ? accepted : other)++;
            break;
          } catch (const Poco::Exception&) {
            session.reset();
            if (attempt < 3) continue;
            ++other;
            break;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << nlohmann::json{{"accepted", accepted.load()},
                              {"other", other.load()},
                              {"seconds", seconds}}
                   .dump()
            << std::endl;
  return other.load() == 0 ? 0 : 1;
}
