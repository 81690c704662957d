#include "hub/clinical/document_type.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace wasl::clinical {
namespace {

DocumentRefusal broken(std::string reason) { return DocumentRefusal{false, std::move(reason)}; }

std::uint32_t be32(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24U) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16U) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8U) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

unsigned byte_at(std::string_view b, std::size_t at) { return static_cast<unsigned char>(b[at]); }

// CRC-32 (ISO 3309, the polynomial PNG uses), table built once at compile time.
constexpr std::array<std::uint32_t, 256> crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
    table[n] = c;
  }
  return table;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = crc_table();

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t c = 0xFFFFFFFFU;
  for (char ch : bytes) c = kCrcTable[(c ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (c >> 8U);
  return c ^ 0xFFFFFFFFU;
}

bool is_letter(unsigned c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";

SniffResult check_png(std::string_view b) {
  std::size_t at = kPngSignature.size();
  bool first = true;
  bool saw_idat = false;
  while (true) {
    if (b.size() - at < 12) return broken("the PNG ends inside a chunk header");
    const std::uint32_t length = be32(b, at);
    const std::string_view type = b.substr(at + 4, 4);
    for (char c : type) {
      if (!is_letter(static_cast<unsigned char>(c))) {
        return broken("a PNG chunk type is not four letters");
      }
    }
    if (length > b.size() - at - 12) return broken("a PNG chunk runs past the end of the file");
    const std::string_view typed_data = b.substr(at + 4, 4 + std::size_t{length});
    if (crc32(typed_data) != be32(b, at + 8 + length)) {
      return broken("the PNG chunk " + std::string(type) + " fails its CRC");
    }
    if (first) {
      if (type != "IHDR" || length != 13) return broken("the PNG does not begin with IHDR");
      const std::uint32_t width = be32(b, at + 8);
      const std::uint32_t height = be32(b, at + 12);
      const unsigned depth = byte_at(b, at + 16);
      const unsigned colour = byte_at(b, at + 17);
      if (width == 0 || height == 0 || width > 0x7FFFFFFFU || height > 0x7FFFFFFFU) {
        return broken("the PNG's width or height is out of range");
      }
      const bool valid =
          (colour == 0 && (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)) ||
          ((colour == 2 || colour == 4 || colour == 6) && (depth == 8 || depth == 16)) ||
          (colour == 3 && (depth == 1 || depth == 2 || depth == 4 || depth == 8));
      if (!valid) return broken("the PNG's bit depth and colour type do not go together");
      first = false;
    } else if (type == "IHDR") {
      return broken("the PNG has a second IHDR");
    }
    if (type == "IDAT") saw_idat = true;
    at += 12 + std::size_t{length};
    if (type == "IEND") {
      if (length != 0) return broken("the PNG's IEND is not empty");
      if (!saw_idat) return broken("the PNG holds no image data (IDAT)");
      if (at != b.size()) return broken("the PNG has bytes after IEND");
      return DocumentType::kPng;
    }
  }
}

bool is_sof(unsigned marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

SniffResult check_jpeg(std::string_view b) {
  std::size_t at = 2;
  bool saw_frame = false;
  // Marker segments up to the first start of scan.
  while (true) {
    if (b.size() - at < 2) return broken("the JPEG ends before its image data");
    if (byte_at(b, at) != 0xFF) return broken("the JPEG has bytes where a marker belongs");
    unsigned marker = byte_at(b, at + 1);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD8 || marker == 0xD9 || marker == 0x00 || (marker >= 0xD0 && marker <= 0xD7)) {
      return broken("the JPEG has a misplaced marker before its image data");
    }
    if (b.size() - at < 4) return broken("the JPEG ends inside a segment header");
    const std::size_t length = (std::size_t{byte_at(b, at + 2)} << 8U) | byte_at(b, at + 3);
    if (length < 2 || length > b.size() - at - 2) {
      return broken("a JPEG segment runs past the end of the file");
    }
    if (is_sof(marker)) {
      if (length < 8) return broken("the JPEG's frame header is too short");
      const std::size_t height = (std::size_t{byte_at(b, at + 5)} << 8U) | byte_at(b, at + 6);
      const std::size_t width = (std::size_t{byte_at(b, at + 7)} << 8U) | byte_at(b, at + 8);
      if (width == 0) return broken("the JPEG's width is zero");
      (void)height;  // 0 is allowed (a DNL segment gives it)
      saw_frame = true;
    }
    at += 2 + length;
    if (marker == 0xDA) {
      if (!saw_frame) return broken("the JPEG's image data comes before any frame header");
      break;
    }
  }
  // Entropy-coded data (and later scans' headers) to the end of image.
  while (at < b.size()) {
    if (byte_at(b, at) != 0xFF) {
      ++at;
      continue;
    }
    if (b.size() - at < 2) break;
    const unsigned marker = byte_at(b, at + 1);
    if (marker == 0xD9) {
      for (std::size_t i = at + 2; i < b.size(); ++i) {
        if (b[i] != '\0') return broken("the JPEG has bytes after its end of image");
      }
      return DocumentType::kJpeg;
    }
    if (marker == 0x00 || marker == 0xFF || (marker >= 0xD0 && marker <= 0xD7)) {
      at += marker == 0xFF ? 1 : 2;
      continue;
    }
    if (marker == 0xD8) return broken("the JPEG has a second start of image");
    // A segment between scans (DHT, DQT, SOS of a progressive image …).
    if (b.size() - at < 4) break;
    const std::size_t length = (std::size_t{byte_at(b, at + 2)} << 8U) | byte_at(b, at + 3);
    if (length < 2 || length > b.size() - at - 2) {
      return broken("a JPEG segment runs past the end of the file");
    }
    at += 2 + length;
  }
  return broken("the JPEG has no end of image marker");
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

SniffResult check_pdf(std::string_view b) {
  // "%PDF-1.0" … "%PDF-1.7", "%PDF-2.0".
  if (b.size() < 8 ||
      !((b[5] == '1' && b[7] >= '0' && b[7] <= '7') || (b[5] == '2' && b[7] == '0')) ||
      b[6] != '.') {
    return broken("the PDF header names no PDF version");
  }
  const std::size_t tail_start = b.size() > 1024 ? b.size() - 1024 : 0;
  const std::size_t eof = b.rfind("%%EOF");
  if (eof == std::string_view::npos || eof < tail_start) {
    return broken("the PDF has no %%EOF in its last 1024 bytes");
  }
  const std::size_t startxref = b.rfind("startxref", eof);
  if (startxref == std::string_view::npos || startxref < 8) {
    return broken("the PDF has no startxref before its %%EOF");
  }
  std::size_t at = startxref + 9;
  while (at < eof && (b[at] == ' ' || b[at] == '\r' || b[at] == '\n' || b[at] == '\t')) ++at;
  std::uint64_t offset = 0;
  std::size_t digits = 0;
  while (at < eof && is_digit(b[at]) && digits < 12) {
    offset = offset * 10 + static_cast<std::uint64_t>(b[at] - '0');
    ++at;
    ++digits;
  }
  if (digits == 0 || offset < 8 || offset >= startxref) {
    return broken("the PDF's startxref names no offset inside the file");
  }
  const std::string_view there = b.substr(static_cast<std::size_t>(offset));
  if (there.starts_with("xref")) return DocumentType::kPdf;
  // A cross-reference stream: "N G obj".
  std::size_t i = 0;
  auto number = [&] {
    const std::size_t from = i;
    while (i < there.size() && i - from < 10 && is_digit(there[i])) ++i;
    return i > from;
  };
  auto spaces = [&] {
    const std::size_t from = i;
    while (i < there.size() && (there[i] == ' ' || there[i] == '\r' || there[i] == '\n')) ++i;
    return i > from;
  };
  if (number() && spaces() && number() && spaces() && there.substr(i).starts_with("obj")) {
    return DocumentType::kPdf;
  }
  return broken("the PDF's startxref does not point at a cross-reference section");
}

}  // namespace

std::string_view media_type(DocumentType type) {
  switch (type) {
    case DocumentType::kPdf: return "application/pdf";
    case DocumentType::kJpeg: return "image/jpeg";
    case DocumentType::kPng: return "image/png";
  }
  return "application/octet-stream";
}

std::string_view to_string(DocumentType type) {
  switch (type) {
    case DocumentType::kPdf: return "pdf";
    case DocumentType::kJpeg: return "jpeg";
    case DocumentType::kPng: return "png";
  }
  return "unknown";
}

SniffResult sniff_document(std::string_view bytes) {
  if (bytes.starts_with(kPngSignature)) return check_png(bytes);
  if (bytes.size() >= 3 && byte_at(bytes, 0) == 0xFF && byte_at(bytes, 1) == 0xD8 &&
      byte_at(bytes, 2) == 0xFF) {
    return check_jpeg(bytes);
  }
  if (bytes.starts_with("%PDF-")) return check_pdf(bytes);
  return DocumentRefusal{true, "the file is not a PDF, a JPEG or a PNG"};
}

}  // namespace wasl::clinical
