// The SMTP plugin's two inputs from outside it, by the first input byte:
// even, a trace of an SMTP conversation as libcurl reports it (lines starting
// with 'C' were sent by the client, the rest are the server's replies),
// reduced by SmtpExchange and mapped to an error (the second byte picks the
// libcurl code); odd, a notification's subject and body (split at the first
// NUL) through the MIME writer, whose every message must be 7-bit with
// lines of at most 78 characters.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plugins/smtp/mime_message.hpp"
#include "plugins/smtp/smtp_exchange.hpp"

namespace {

void trace(std::string_view input, CURLcode code) {
  wasl::plugins::smtp::SmtpExchange exchange;
  std::size_t start = 0;
  while (start < input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size() - 1;
    const std::string_view line = input.substr(start, end - start + 1);
    exchange.observe(line[0] == 'C' ? CURLINFO_HEADER_OUT : CURLINFO_HEADER_IN, line);
    start = end + 1;
  }
  (void)wasl::plugins::smtp::smtp_failure(code, exchange, "", "smtp://127.0.0.1:4577",
                                          std::chrono::milliseconds(1000),
                                          std::chrono::milliseconds(2000));
}

void message(std::string_view input) {
  wasl::plugins::smtp::MailMessage m;
  m.from_address = "clinic@hospital.example";
  m.from_name = "مستشفى الصحة";
  m.to_address = "patient@example.org";
  const std::size_t nul = input.find('\0');
  m.subject = std::string(input.substr(0, nul));
  m.body = nul == std::string_view::npos ? std::string("body") : std::string(input.substr(nul + 1));
  m.language = "ar";
  m.message_id = wasl::plugins::smtp::message_id_for(input, "hospital.example");
  m.date = std::chrono::system_clock::time_point(std::chrono::seconds(1741079100));
  auto written = wasl::plugins::smtp::write_message(m);
  if (!written.ok()) return;
  std::size_t line = 0;
  for (char c : *written) {
    if (static_cast<unsigned char>(c) >= 0x80) std::abort();  // 8-bit in the message
    line = c == '\n' ? 0 : line + 1;
    if (line > 79) std::abort();  // 78 characters and the CR
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  if ((data[0] & 1) == 0) {
    trace(rest, static_cast<CURLcode>(data[1] % CURL_LAST));
  } else {
    message(rest);
  }
  return 0;
}
