#include <cairo.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "hub/summaries/summary_html.hpp"
#include "hub/summaries/summary_pdf.hpp"
#include "hub/summaries/visit_summary.hpp"
#include "tests/unit/crypto/scratch_dir.hpp"

namespace wasl::summaries {
namespace {

namespace fs = std::filesystem;

// 2026-03-01T06:00:00Z.
constexpr std::int64_t kCreated = 1'772'344'800'000;

VisitSummary arabic_summary() {
  VisitSummary s;
  s.language = clinical::Language::kArabic;
  s.facility_name = "مستشفى الواحة";
  s.visit_date = "1 مارس 2026";
  s.findings = "التهاب في الحلق سببه فيروس، وليس خطيرا.";
  s.follow_up = "راجع العيادة بعد أسبوع إذا استمرت الحرارة.";
  s.medicines = {
      {"Paracetamol", "500 mg، فموي، كل 8 ساعات، 5 أيام", "تناول قرصا بعد الأكل عند الحاجة."}};
  return s;
}

VisitSummary english_summary() {
  VisitSummary s;
  s.language = clinical::Language::kEnglish;
  s.facility_name = "Oasis Hospital";
  s.visit_date = "1 March 2026";
  s.findings = "A sore throat caused by a virus; not serious.";
  s.follow_up = "Come back in a week if the fever goes on.";
  s.medicines = {
      {"Paracetamol", "500 mg, oral, every 8 hours, 5 days", "One tablet after food when needed."}};
  return s;
}

// The standard output of `command`; fails the test when it exits non-zero
// (a missing poppler-utils included).
std::string output_of(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return out;
  }
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command << " failed (is poppler-utils installed? scripts/bootstrap)";
  return out;
}

std::string collapse_spaces(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// Arabic text as pdftotext gives it, and a phrase, made comparable: what
// pdftotext adds to right-to-left text is taken out, never letters. It wraps
// each run and each neutral character in bidi embedding marks (U+200E,
// U+200F, U+202A to U+202E, U+2066 to U+2069), and it puts a space where two
// joined letters' glyphs stand further apart than its word gap; so marks and
// all white space go. The lam-alef ligature with a hamza (one glyph for lam
// and alef) it writes in the glyph's order inside reversed text: alef then
// lam; that pair is read back as lam then alef.
std::string comparable(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r') {
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < text.size()) {
      const auto b1 = static_cast<unsigned char>(text[i + 1]);
      const auto b2 = static_cast<unsigned char>(text[i + 2]);
      const bool mark = (b1 == 0x80 && (b2 == 0x8E || b2 == 0x8F || (b2 >= 0xAA && b2 <= 0xAE))) ||
                        (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9);
      if (mark) {
        i += 3;
        continue;
      }
    }
    out += text[i++];
  }
  for (const std::string alef : {"\u0623", "\u0625", "\u0622"}) {
    const std::string reversed = alef + "\u0644";
    const std::string logical = "\u0644" + alef;
    for (std::size_t at = out.find(reversed); at != std::string::npos;
         at = out.find(reversed, at + logical.size())) {
      out.replace(at, reversed.size(), logical);
    }
  }
  return out;
}

class SummaryRenderTest : public ::testing::Test {
 protected:
  fs::path write_pdf(const VisitSummary& s, const std::string& name) {
    auto pdf = render_pdf(s, kCreated);
    EXPECT_TRUE(pdf.ok()) << pdf.error().message;
    const fs::path path = scratch_.path() / name;
    std::ofstream(path, std::ios::binary) << (pdf.ok() ? *pdf : std::string());
    return path;
  }
  crypto::testing::ScratchDir scratch_;
};

TEST_F(SummaryRenderTest, ArabicPdfTextReadsBackInLogicalOrder) {
  const fs::path pdf = write_pdf(arabic_summary(), "ar.pdf");
  const std::string extracted = output_of("pdftotext -enc UTF-8 '" + pdf.string() + "' -");
  const std::string text = comparable(extracted);
  // Each phrase as a reader types it: first letter first. A PDF whose glyphs
  // were stored in visual order (or unshaped presentation forms without
  // their Unicode mapping) reads back reversed or as other characters.
  for (const std::string phrase : {"ملخص زيارتك", "المنشأة: مستشفى الواحة", "ما وجده الطبيب",
                                   "التهاب في الحلق سببه فيروس، وليس خطيرا.", "الأدوية الموصوفة",
                                   "Paracetamol", "التعليمات: تناول قرصا بعد الأكل عند الحاجة.",
                                   "المتابعة", "راجع العيادة بعد أسبوع إذا استمرت الحرارة."}) {
    EXPECT_NE(text.find(comparable(phrase)), std::string::npos)
        << "missing: " << phrase << "\nin: " << extracted;
  }
  EXPECT_EQ(text.find("ﻣ"), std::string::npos) << "presentation forms instead of letters";
}

TEST_F(SummaryRenderTest, EnglishPdfTextReadsBack) {
  const fs::path pdf = write_pdf(english_summary(), "en.pdf");
  const std::string text =
      collapse_spaces(output_of("pdftotext -enc UTF-8 '" + pdf.string() + "' -"));
  for (const std::string phrase :
       {"Your visit summary", "Facility: Oasis Hospital", "What the doctor found",
        "A sore throat caused by a virus; not serious.", "Medicines prescribed",
        "Instructions: One tablet after food when needed.", "Follow-up"}) {
    EXPECT_NE(text.find(phrase), std::string::npos) << "missing: " << phrase << "\nin: " << text;
  }
}

// Grey pixels of a PNG, row by row.
struct Grey {
  int width = 0;
  int height = 0;
  std::vector<int> pixels;
};

Grey read_png(const fs::path& path) {
  Grey g;
  cairo_surface_t* s = cairo_image_surface_create_from_png(path.c_str());
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    ADD_FAILURE() << "cannot read " << path;
    cairo_surface_destroy(s);
    return g;
  }
  cairo_surface_t* rgb = cairo_image_surface_create(
      CAIRO_FORMAT_RGB24, cairo_image_surface_get_width(s), cairo_image_surface_get_height(s));
  cairo_t* cr = cairo_create(rgb);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_surface(cr, s, 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_flush(rgb);
  g.width = cairo_image_surface_get_width(rgb);
  g.height = cairo_image_surface_get_height(rgb);
  const int stride = cairo_image_surface_get_stride(rgb);
  const unsigned char* data = cairo_image_surface_get_data(rgb);
  g.pixels.resize(static_cast<std::size_t>(g.width) * g.height);
  for (int y = 0; y < g.height; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + y * stride);
    for (int x = 0; x < g.width; ++x) {
      const std::uint32_t p = row[x];
      g.pixels[static_cast<std::size_t>(y) * g.width + x] =
          static_cast<int>((((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff)) / 3);
    }
  }
  cairo_surface_destroy(rgb);
  cairo_surface_destroy(s);
  return g;
}

// The committed reference (data/visit_summary_ar.png) is page 1 of the
// Arabic summary above, rendered by pdftoppm at 50 dpi in grey. The page
// must match it within the tolerance: at most 0.5 % of its pixels may
// differ by more than 64 grey levels (anti-aliasing differences), and the
// mean difference must stay under 2 levels. To make a new reference after
// an intended change of the layout, run this test with
// WASL_UPDATE_SUMMARY_REFERENCE=1 and commit the file it writes.
TEST_F(SummaryRenderTest, ArabicPageMatchesTheReferenceImage) {
  const fs::path pdf = write_pdf(arabic_summary(), "ar.pdf");
  const fs::path prefix = scratch_.path() / "page";
  output_of("pdftoppm -r 50 -gray -png -f 1 -l 1 -singlefile '" + pdf.string() + "' '" +
            prefix.string() + "'");
  const fs::path page = prefix.string() + ".png";
  const fs::path reference =
      fs::path(WASL_SOURCE_DIR) / "tests/unit/summaries/data/visit_summary_ar.png";
  if (std::getenv("WASL_UPDATE_SUMMARY_REFERENCE") != nullptr) {
    fs::copy_file(page, reference, fs::copy_options::overwrite_existing);
  }
  const Grey got = read_png(page);
  const Grey want = read_png(reference);
  ASSERT_EQ(got.width, want.width);
  ASSERT_EQ(got.height, want.height);
  std::size_t far = 0;
  long long total = 0;
  for (std::size_t i = 0; i < got.pixels.size(); ++i) {
    const int d = std::abs(got.pixels[i] - want.pixels[i]);
    total += d;
    if (d > 64) ++far;
  }
  EXPECT_LE(far, got.pixels.size() / 200) << far << " pixels differ by more than 64 levels";
  EXPECT_LT(static_cast<double>(total) / static_cast<double>(got.pixels.size()), 2.0);

  // Right to left, whatever the reference holds: the title's ink ends at
  // the right margin and starts well right of the left one.
  int left = got.width;
  int right = -1;
  const int margin = 56 * 50 / 72;  // 56 pt at 50 dpi
  for (int y = margin; y < margin + 25; ++y) {
    for (int x = 0; x < got.width; ++x) {
      if (got.pixels[static_cast<std::size_t>(y) * got.width + x] < 128) {
        left = std::min(left, x);
        right = std::max(right, x);
      }
    }
  }
  ASSERT_GE(right, 0) << "no title on the page";
  // A pixel or two of the last glyph's side bearing, and rounding at 50 dpi.
  EXPECT_GE(right, got.width - margin - 4);
  EXPECT_GT(left, got.width / 2);
}

TEST_F(SummaryRenderTest, SameSummarySameBytes) {
  auto a = render_pdf(arabic_summary(), kCreated);
  auto b = render_pdf(arabic_summary(), kCreated);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->rfind("%PDF-", 0), 0u);
}

TEST(SummaryHtmlTest, ArabicIsRightToLeftAndEveryTextIsEscaped) {
  VisitSummary s = arabic_summary();
  s.findings = "<script>alert(1)</script> & \"x\"\nسطر ثان";
  const std::string html = render_html(s);
  EXPECT_NE(html.find("<html lang=\"ar\" dir=\"rtl\">"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</p>"),
            std::string::npos);
  EXPECT_NE(html.find("<p>سطر ثان</p>"), std::string::npos);
  EXPECT_NE(html.find("<dt>Paracetamol</dt>"), std::string::npos);
  const std::string en = render_html(english_summary());
  EXPECT_NE(en.find("<html lang=\"en\" dir=\"ltr\">"), std::string::npos);
  EXPECT_NE(en.find("What the doctor found"), std::string::npos);
}

TEST(VisitSummaryTest, SignedPrescriptionsOnlyWithTheNotesAssessmentAndPlan) {
  clinical::ClinicalNote note;
  note.status = clinical::RecordStatus::kSigned;
  note.content.assessment = "ما وجده";
  note.content.plan = "المتابعة";
  note.content.subjective = "not for the patient's summary";
  std::vector<clinical::Prescription> given(3);
  given[0].status = clinical::RecordStatus::kSigned;
  given[0].details.medication_text = "Amoxicillin";
  given[0].details.dose = "500 mg";
  given[0].details.frequency = "كل 8 ساعات";
  given[0].details.instructions = "بعد الأكل";
  given[1].status = clinical::RecordStatus::kCancelled;
  given[1].details.medication_text = "Cancelled one";
  given[2].status = clinical::RecordStatus::kDraft;
  given[2].details.medication_text = "Draft one";
  const VisitSummary s =
      build_visit_summary(clinical::Language::kArabic, "F", "1 مارس 2026", note, given);
  EXPECT_EQ(s.findings, "ما وجده");
  EXPECT_EQ(s.follow_up, "المتابعة");
  ASSERT_EQ(s.medicines.size(), 1u);
  EXPECT_EQ(s.medicines[0], (SummaryMedicine{"Amoxicillin", "500 mg، كل 8 ساعات", "بعد الأكل"}));
  auto date = visit_date_text(kCreated, "Asia/Riyadh", clinical::Language::kArabic);
  ASSERT_TRUE(date.ok());
  EXPECT_EQ(*date, "1 مارس 2026");
  EXPECT_EQ(*visit_date_text(kCreated, "Asia/Riyadh", clinical::Language::kEnglish),
            "1 March 2026");
}

}  // namespace
}  // namespace wasl::summaries
