// The type of an uploaded shared document, read from its bytes
// (hub/clinical/document_type.hpp): any input answers a type or a refusal,
// and a type it answers agrees with the input's magic bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "hub/clinical/document_type.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const wasl::clinical::SniffResult result = wasl::clinical::sniff_document(bytes);
  if (const auto* type = std::get_if<wasl::clinical::DocumentType>(&result)) {
    switch (*type) {
      case wasl::clinical::DocumentType::kPng:
        if (!bytes.starts_with("\x89PNG\r\n\x1a\n")) __builtin_trap();
        break;
      case wasl::clinical::DocumentType::kJpeg:
        if (!bytes.starts_with("\xFF\xD8\xFF")) __builtin_trap();
        break;
      case wasl::clinical::DocumentType::kPdf:
        if (!bytes.starts_with("%PDF-")) __builtin_trap();
        break;
    }
  } else if (std::get<wasl::clinical::DocumentRefusal>(result).reason.empty()) {
    __builtin_trap();
  }
  return 0;
}
