// The visit summary as a PDF: A4 pages laid out by Pango (Arabic shaped by
// HarfBuzz, the bidirectional algorithm, line breaking) and drawn by
// Cairo's PDF surface with the fonts embedded, Debian's Noto fonts
// (fonts-noto-core: Noto Sans Arabic for Arabic, Noto Sans for Latin). An
// Arabic summary is laid out right to left on every line, a Latin medicine
// name in it included; an English one left to right. Text is stored in the
// PDF in logical order with its Unicode mapping, so it can be searched and
// copied. The output is the same for the same summary and `created_at_ms`
// (the PDF's creation date) with the same fonts.
//
// Thread-safe: renders run one at a time (Pango's font map is shared).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "hub/summaries/visit_summary.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::summaries {

// The most bytes a summary's PDF may take; a larger one is kResourceExhausted.
inline constexpr std::size_t kMaxSummaryPdfBytes = 4 * 1024 * 1024;

// The PDF's bytes. kInternal when Cairo fails.
sdk::Result<std::string> render_pdf(const VisitSummary& summary, std::int64_t created_at_ms);

}  // namespace wasl::summaries
