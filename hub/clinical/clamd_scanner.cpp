#include "hub/clinical/clamd_scanner.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <exception>
#include <utility>

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>
#include <sys/socket.h>

namespace wasl::clinical {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

// The most clamd answers: a signature name and a little framing.
constexpr std::size_t kMaxReply = 4096;

Poco::Timespan timespan(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

void send_all(Poco::Net::StreamSocket& socket, std::string_view bytes) {
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: clamd closing early (a signature found, its size limit)
    // is an error here, never a SIGPIPE.
    const int sent = socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()), MSG_NOSIGNAL);
    if (sent <= 0) throw Poco::Net::NetException("clamd closed the connection");
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
}

std::string length_prefix(std::size_t n) {
  const auto v = static_cast<std::uint32_t>(n);
  return {static_cast<char>((v >> 24U) & 0xFFU), static_cast<char>((v >> 16U) & 0xFFU),
          static_cast<char>((v >> 8U) & 0xFFU), static_cast<char>(v & 0xFFU)};
}

// Reads until clamd's NUL terminator or the connection's end.
std::string read_reply(Poco::Net::StreamSocket& socket) {
  std::string reply;
  std::array<char, 512> buf{};
  while (reply.size() < kMaxReply) {
    const int n = socket.receiveBytes(buf.data(), static_cast<int>(buf.size()));
    if (n <= 0) break;
    reply.append(buf.data(), static_cast<std::size_t>(n));
    if (reply.find('\0') != std::string::npos) break;
  }
  const std::size_t end = reply.find_first_of(std::string_view("\0\n", 2));
  if (end != std::string::npos) reply.resize(end);
  return reply;
}

}  // namespace

ClamdScanner::ClamdScanner(std::string address, std::string host, int port, std::string socket_path,
                           std::chrono::milliseconds timeout)
    : address_(std::move(address)),
      host_(std::move(host)),
      port_(port),
      socket_path_(std::move(socket_path)),
      timeout_(timeout) {}

Result<ClamdScanner> ClamdScanner::create(std::string address, std::chrono::milliseconds timeout) {
  const std::string_view a = address;
  if (a.starts_with("unix:")) {
    std::string path(a.substr(5));
    if (path.empty() || path.front() != '/') {
      return Error(ErrorCode::kInvalidArgument,
                   "clamd address '" + address + "': a unix socket needs an absolute path");
    }
    return ClamdScanner(std::move(address), "", 0, std::move(path), timeout);
  }
  if (a.starts_with("tcp://")) {
    const std::string_view rest = a.substr(6);
    const std::size_t colon = rest.rfind(':');
    int port = 0;
    if (colon != std::string_view::npos && colon > 0) {
      const std::string_view digits = rest.substr(colon + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
      if (ec == std::errc() && end == digits.data() + digits.size() && port > 0 && port < 65536) {
        std::string host(rest.substr(0, colon));
        return ClamdScanner(std::move(address), std::move(host), port, "", timeout);
      }
    }
  }
  return Error(ErrorCode::kInvalidArgument,
               "clamd address '" + address + "' is neither tcp://HOST:PORT nor unix:/PATH");
}

Result<ScanVerdict> ClamdScanner::scan(std::string_view bytes) const {
  try {
    Poco::Net::StreamSocket socket;
    if (socket_path_.empty()) {
      socket.connect(Poco::Net::SocketAddress(host_, static_cast<Poco::UInt16>(port_)),
                     timespan(timeout_));
    } else {
      socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_path_),
                     timespan(timeout_));
    }
    socket.setSendTimeout(timespan(timeout_));
    socket.setReceiveTimeout(timespan(timeout_));
    send_all(socket, std::string_view("zINSTREAM\0", 10));
    try {
      while (!bytes.empty()) {
        const std::string_view chunk = bytes.substr(0, kChunkSize);
        send_all(socket, length_prefix(chunk.size()));
        send_all(socket, chunk);
        bytes.remove_prefix(chunk.size());
      }
      send_all(socket, length_prefix(0));
    } catch (const Poco::Net::NetException&) {
      // clamd may answer and close before the stream ends (its size limit):
      // its answer, when there is one, says why.
    }
    const std::string reply = read_reply(socket);
    if (reply == "stream: OK") return ScanVerdict{true, ""};
    constexpr std::string_view kFound = " FOUND";
    if (reply.starts_with("stream: ") && reply.ends_with(kFound)) {
      return ScanVerdict{false, reply.substr(8, reply.size() - 8 - kFound.size())};
    }
    return Error(ErrorCode::kUnavailable,
                 "clamd at " + address_ + " did not scan the file: " +
                     (reply.empty() ? std::string("no answer") : reply),
                 /*retry=*/true);
  } catch (const Poco::TimeoutException&) {
    return Error(ErrorCode::kDeadlineExceeded,
                 "clamd at " + address_ + " did not answer within " +
                     std::to_string(timeout_.count()) + " ms",
                 /*retry=*/true);
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kUnavailable,
                 "clamd at " + address_ + " cannot be reached: " + e.displayText(),
                 /*retry=*/true);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kUnavailable, "clamd at " + address_ + ": " + e.what(),
                 /*retry=*/true);
  }
}

Status ClamdScanner::ping() const {
  try {
    Poco::Net::StreamSocket socket;
    if (socket_path_.empty()) {
      socket.connect(Poco::Net::SocketAddress(host_, static_cast<Poco::UInt16>(port_)),
                     timespan(timeout_));
    } else {
      socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_path_),
                     timespan(timeout_));
    }
    socket.setReceiveTimeout(timespan(timeout_));
    send_all(socket, std::string_view("zPING\0", 6));
    const std::string reply = read_reply(socket);
    if (reply == "PONG") return {};
    return Error(ErrorCode::kUnavailable,
                 "clamd at " + address_ + " answered PING with '" + reply + "'", true);
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kUnavailable,
                 "clamd at " + address_ + " cannot be reached: " + e.displayText(), true);
  }
}

}  // namespace wasl::clinical
