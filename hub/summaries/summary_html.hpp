// The visit summary as one self-contained HTML page (UTF-8, no script, no
// outside resource): lang and dir from the summary's language, so a browser
// lays Arabic out right to left. Every text is escaped. Thread-safe.
#pragma once

#include <string>

#include "hub/summaries/visit_summary.hpp"

namespace wasl::summaries {

std::string render_html(const VisitSummary& summary);

}  // namespace wasl::summaries
