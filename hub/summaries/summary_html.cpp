#include "hub/summaries/summary_html.hpp"

#include <string_view>

namespace wasl::summaries {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A paragraph per line of `text`, or the "none" label.
std::string paragraphs(std::string_view text, std::string_view none) {
  if (text.empty()) return "<p class=\"none\">" + escape(none) + "</p>\n";
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty()) out += "<p>" + escape(line) + "</p>\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string render_html(const VisitSummary& s) {
  const bool ar = s.language == clinical::Language::kArabic;
  const SummaryLabels& l = summary_labels(s.language);
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"";
  out += ar ? "ar\" dir=\"rtl\"" : "en\" dir=\"ltr\"";
  out += ">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + escape(l.title) + "</title>\n";
  out +=
      "<style>body{font-family:'Noto Naskh Arabic','Noto Sans',sans-serif;max-width:40em;"
      "margin:2em auto;padding:0 1em;line-height:1.6}h1{font-size:1.5em}"
      "h2{font-size:1.15em;margin-top:1.5em}dt{font-weight:bold}.none{color:#555}</style>\n";
  out += "</head>\n<body>\n<h1>" + escape(l.title) + "</h1>\n";
  out += "<p>" + escape(l.facility) + ": " + escape(s.facility_name) + "<br>" + escape(l.date) +
         ": " + escape(s.visit_date) + "</p>\n";
  out += "<h2>" + escape(l.findings) + "</h2>\n" + paragraphs(s.findings, l.none);
  out += "<h2>" + escape(l.medicines) + "</h2>\n";
  if (s.medicines.empty()) {
    out += paragraphs("", l.none);
  } else {
    out += "<dl>\n";
    for (const SummaryMedicine& m : s.medicines) {
      out += "<dt>" + escape(m.name) + "</dt>\n";
      if (!m.how.empty()) out += "<dd>" + escape(m.how) + "</dd>\n";
      if (!m.instructions.empty()) {
        out += "<dd>" + escape(l.instructions) + ": " + escape(m.instructions) + "</dd>\n";
      }
    }
    out += "</dl>\n";
  }
  out += "<h2>" + escape(l.follow_up) + "</h2>\n" + paragraphs(s.follow_up, l.none);
  out += "<p>" + escape(l.closing) + "</p>\n</body>\n</html>\n";
  return out;
}

}  // namespace wasl::summaries
