// DocumentType: what an uploaded shared document is, decided by its bytes
// alone (never by its file name or the Content-Type a client sends): a PDF,
// a JPEG or a PNG, recognised by its magic bytes and then checked for the
// structure of that format, so an executable, an archive or a polyglot
// renamed to ".pdf" is refused.
//
//   PNG   the 8-byte signature; chunks walked to the end (length, ASCII type,
//         CRC-32 checked), IHDR first with a non-zero size and a valid bit
//         depth and colour type, at least one IDAT, IEND last and nothing
//         after it.
//   JPEG  SOI (FF D8 FF); marker segments walked with their lengths up to the
//         first SOS, a frame header (SOF) with a non-zero size before it;
//         the entropy-coded data scanned to EOI, with only zero padding
//         after it.
//   PDF   "%PDF-1.0" … "%PDF-2.0" at offset 0; "%%EOF" in the last 1 KiB;
//         "startxref" before it naming an offset inside the file at which a
//         cross-reference table ("xref") or stream ("N G obj") begins.
//
// Bounded: one pass over the bytes, no allocation beyond the answer,
// whatever the input. Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace wasl::clinical {

enum class DocumentType { kPdf, kJpeg, kPng };

// "application/pdf", "image/jpeg", "image/png".
std::string_view media_type(DocumentType type);
// "pdf", "jpeg", "png".
std::string_view to_string(DocumentType type);

// Why the bytes are not an accepted document.
struct DocumentRefusal {
  // True when the bytes begin as none of the three formats (the HTTP
  // answer is 415); false when they begin as one and break its structure
  // (422).
  bool unsupported = true;
  std::string reason;  // one sentence, naming the format and what is wrong
};

using SniffResult = std::variant<DocumentType, DocumentRefusal>;

// The type of `bytes`, or why they are refused.
SniffResult sniff_document(std::string_view bytes);

}  // namespace wasl::clinical
