// The type of a shared document read from its bytes: the three formats
// accepted with their structure checked, everything else refused, whatever
// the name would say.
#include "hub/clinical/document_type.hpp"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace wasl::clinical {
namespace {

std::string seed(const std::string& name) {
  std::ifstream in(std::string(WASL_SOURCE_DIR) + "/tests/fuzz/seeds/document_sniff/" + name,
                   std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool is(const SniffResult& r, DocumentType type) {
  const auto* t = std::get_if<DocumentType>(&r);
  return t != nullptr && *t == type;
}

// 415 (not one of the three) or 422 (one of them, broken).
bool refused(const SniffResult& r, bool unsupported) {
  const auto* refusal = std::get_if<DocumentRefusal>(&r);
  return refusal != nullptr && refusal->unsupported == unsupported && !refusal->reason.empty();
}

TEST(DocumentTypeTest, TheThreeFormatsAreRecognisedByTheirBytes) {
  EXPECT_TRUE(is(sniff_document(seed("image.png")), DocumentType::kPng));
  EXPECT_TRUE(is(sniff_document(seed("photo.jpg")), DocumentType::kJpeg));
  EXPECT_TRUE(is(sniff_document(seed("page.pdf")), DocumentType::kPdf));
  EXPECT_EQ(media_type(DocumentType::kPng), "image/png");
  EXPECT_EQ(media_type(DocumentType::kJpeg), "image/jpeg");
  EXPECT_EQ(media_type(DocumentType::kPdf), "application/pdf");
}

TEST(DocumentTypeTest, AnythingElseIsUnsupported) {
  EXPECT_TRUE(refused(sniff_document(seed("elf.bin")), true));
  EXPECT_TRUE(refused(sniff_document(""), true));
  EXPECT_TRUE(refused(sniff_document("MZ\x90\x00"), true));
  EXPECT_TRUE(refused(sniff_document("PK\x03\x04 a zip"), true));
  EXPECT_TRUE(refused(sniff_document("GIF89a"), true));
  EXPECT_TRUE(refused(sniff_document("<html>%PDF-1.4"), true));
}

TEST(DocumentTypeTest, APngWithABrokenStructureIsMalformed) {
  const std::string png = seed("image.png");
  std::string bad_crc = png;
  bad_crc[20] = static_cast<char>(bad_crc[20] ^ 1);  // inside IHDR's data
  EXPECT_TRUE(refused(sniff_document(bad_crc), false));
  EXPECT_TRUE(refused(sniff_document(png.substr(0, png.size() - 1)), false));
  EXPECT_TRUE(refused(sniff_document(png + "PK\x03\x04"), false)) << "nothing after IEND";
  EXPECT_TRUE(refused(sniff_document(png.substr(0, 8)), false));
}

TEST(DocumentTypeTest, AJpegWithABrokenStructureIsMalformed) {
  const std::string jpg = seed("photo.jpg");
  EXPECT_TRUE(refused(sniff_document(jpg.substr(0, jpg.size() - 2)), false)) << "no EOI";
  EXPECT_TRUE(refused(sniff_document(jpg + "MZ"), false)) << "bytes after EOI";
  EXPECT_TRUE(is(sniff_document(jpg + std::string(3, '\0')), DocumentType::kJpeg))
      << "zero padding after EOI is kept by some cameras";
  EXPECT_TRUE(refused(sniff_document(std::string("\xFF\xD8\xFF\xDA\x00\x02\xFF\xD9", 8)), false))
      << "a scan before any frame header";
  std::string long_segment = jpg;
  long_segment[4] = '\x7F';  // APP0's length past the end
  EXPECT_TRUE(refused(sniff_document(long_segment), false));
}

TEST(DocumentTypeTest, APdfWithABrokenStructureIsMalformed) {
  const std::string pdf = seed("page.pdf");
  EXPECT_TRUE(refused(sniff_document("%PDF-1.7\n" + seed("elf.bin")), false));
  EXPECT_TRUE(refused(sniff_document(pdf.substr(0, pdf.size() - 7)), false)) << "no %%EOF";
  EXPECT_TRUE(refused(sniff_document("%PDF-9.9" + pdf.substr(8)), false));
  std::string wrong_offset = pdf;
  const std::size_t at = wrong_offset.rfind("startxref\n") + 10;
  wrong_offset[at] = wrong_offset[at] == '1' ? '2' : '1';
  EXPECT_TRUE(refused(sniff_document(wrong_offset), false));
  EXPECT_TRUE(refused(sniff_document(pdf + std::string(2000, ' ')), false))
      << "%%EOF must be in the last 1 KiB";
}

}  // namespace
}  // namespace wasl::clinical
