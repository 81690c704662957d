#include "hub/summaries/summary_pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace wasl::summaries {
namespace {

using sdk::Error;
using sdk::ErrorCode;

constexpr double kPageWidth = 595.276;  // A4, points
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 56.0;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;

struct Sink {
  std::string bytes;
  bool too_large = false;
};

cairo_status_t write_to(void* closure, const unsigned char* data, unsigned int length) {
  auto* sink = static_cast<Sink*>(closure);
  if (sink->bytes.size() + length > kMaxSummaryPdfBytes) {
    sink->too_large = true;
    return CAIRO_STATUS_WRITE_ERROR;
  }
  sink->bytes.append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

enum class Style { kTitle, kHeading, kBody, kEmphasis, kNote };

struct Block {
  Style style = Style::kBody;
  std::string text;
  double space_before = 0;  // points
};

// Lays the blocks out one line at a time, starting a new page when a line
// does not fit.
class PageWriter {
 public:
  PageWriter(cairo_t* cr, bool rtl) : cr_(cr), rtl_(rtl) {
    context_.reset(pango_cairo_create_context(cr));
    cairo_font_options_t* options = cairo_font_options_create();
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(context_.get(), options);
    cairo_font_options_destroy(options);
    pango_context_set_base_dir(context_.get(), rtl ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR);
  }

  void write(const Block& block) {
    std::unique_ptr<PangoLayout, decltype(&g_object_unref)> layout(pango_layout_new(context_.get()),
                                                                   g_object_unref);
    PangoLayout* l = layout.get();
    pango_layout_set_auto_dir(l, FALSE);
    pango_layout_set_alignment(l, rtl_ ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
    pango_layout_set_width(l, static_cast<int>(kContentWidth * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    std::unique_ptr<PangoFontDescription, decltype(&pango_font_description_free)> font(
        pango_font_description_from_string(font_of(block.style)), pango_font_description_free);
    pango_layout_set_font_description(l, font.get());
    pango_layout_set_text(l, block.text.data(), static_cast<int>(block.text.size()));
    y_ += block.space_before;
    PangoLayoutIter* iter = pango_layout_get_iter(l);
    do {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(iter, nullptr, &logical);
      const double top = static_cast<double>(logical.y) / PANGO_SCALE;
      const double height = static_cast<double>(logical.height) / PANGO_SCALE;
      const double baseline =
          static_cast<double>(pango_layout_iter_get_baseline(iter)) / PANGO_SCALE;
      if (y_ + height > kPageHeight - kMargin && y_ > kMargin) {
        cairo_show_page(cr_);
        y_ = kMargin;
      }
      cairo_move_to(cr_, kMargin + static_cast<double>(logical.x) / PANGO_SCALE,
                    y_ + (baseline - top));
      pango_cairo_show_layout_line(cr_, pango_layout_iter_get_line_readonly(iter));
      y_ += height;
    } while (pango_layout_iter_next_line(iter));
    pango_layout_iter_free(iter);
  }

 private:
  const char* font_of(Style style) const {
    if (rtl_) {
      switch (style) {
        case Style::kTitle: return "Noto Sans Arabic, Noto Sans Bold 20";
        case Style::kHeading: return "Noto Sans Arabic, Noto Sans Bold 14";
        case Style::kEmphasis: return "Noto Sans Arabic, Noto Sans Bold 12";
        case Style::kNote: return "Noto Sans Arabic, Noto Sans 10";
        case Style::kBody: break;
      }
      return "Noto Sans Arabic, Noto Sans 12";
    }
    switch (style) {
      case Style::kTitle: return "Noto Sans, Noto Sans Arabic Bold 20";
      case Style::kHeading: return "Noto Sans, Noto Sans Arabic Bold 14";
      case Style::kEmphasis: return "Noto Sans, Noto Sans Arabic Bold 11";
      case Style::kNote: return "Noto Sans, Noto Sans Arabic 9";
      case Style::kBody: break;
    }
    return "Noto Sans, Noto Sans Arabic 11";
  }

  cairo_t* cr_;
  bool rtl_;
  std::unique_ptr<PangoContext, decltype(&g_object_unref)> context_{nullptr, g_object_unref};
  double y_ = kMargin;
};

std::vector<Block> blocks_of(const VisitSummary& s) {
  const SummaryLabels& l = summary_labels(s.language);
  std::vector<Block> out;
  auto section = [&](std::string_view heading, const std::string& text) {
    out.push_back({Style::kHeading, std::string(heading), 18});
    out.push_back({Style::kBody, text.empty() ? std::string(l.none) : text, 4});
  };
  out.push_back({Style::kTitle, std::string(l.title), 0});
  out.push_back({Style::kBody, std::string(l.facility) + ": " + s.facility_name, 10});
  out.push_back({Style::kBody, std::string(l.date) + ": " + s.visit_date, 2});
  section(l.findings, s.findings);
  out.push_back({Style::kHeading, std::string(l.medicines), 18});
  if (s.medicines.empty()) out.push_back({Style::kBody, std::string(l.none), 4});
  for (const SummaryMedicine& m : s.medicines) {
    out.push_back({Style::kEmphasis, m.name, 8});
    if (!m.how.empty()) out.push_back({Style::kBody, m.how, 2});
    if (!m.instructions.empty()) {
      out.push_back({Style::kBody, std::string(l.instructions) + ": " + m.instructions, 2});
    }
  }
  section(l.follow_up, s.follow_up);
  out.push_back({Style::kNote, std::string(l.closing), 28});
  return out;
}

std::string pdf_date(std::int64_t at_ms) {
  const std::time_t seconds = static_cast<std::time_t>(at_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::mutex& render_mutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

sdk::Result<std::string> render_pdf(const VisitSummary& summary, std::int64_t created_at_ms) {
  std::lock_guard lock(render_mutex());
  Sink sink;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(write_to, &sink, kPageWidth, kPageHeight);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                 std::string(summary_labels(summary.language).title).c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Wasl");
  const std::string date = pdf_date(created_at_ms);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 0, 0, 0);
  {
    PageWriter writer(cr, summary.language == clinical::Language::kArabic);
    for (const Block& block : blocks_of(summary)) writer.write(block);
  }
  cairo_show_page(cr);
  const cairo_status_t drawn = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t finished = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (sink.too_large) {
    return Error(
        ErrorCode::kResourceExhausted,
        "the visit summary's PDF is larger than " + std::to_string(kMaxSummaryPdfBytes) + " bytes",
        false);
  }
  if (drawn != CAIRO_STATUS_SUCCESS || finished != CAIRO_STATUS_SUCCESS) {
    const cairo_status_t failed = drawn != CAIRO_STATUS_SUCCESS ? drawn : finished;
    return Error(ErrorCode::kInternal,
                 std::string("Cairo could not write the visit summary's PDF: ") +
                     cairo_status_to_string(failed),
                 false);
  }
  return std::move(sink.bytes);
}

}  // namespace wasl::summaries
