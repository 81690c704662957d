#include "hub/signin/refusal_page.hpp"

#include "hub/http/accept_language.hpp"

namespace wasl::signin {
namespace {

struct PageText {
  std::string_view title;
  std::string_view heading;
  std::string_view reason;
  std::string_view start_again;
  std::string_view reference;
};

std::string_view reason_text(Refusal refusal, bool arabic) {
  switch (refusal) {
    case Refusal::kNoRule:
      return arabic ? "لا تمنح أيّ قاعدة وصول حسابك دورًا في وصل. اطلب من مسؤول النظام في منشأتك "
                      "إضافتك إلى المجموعة المناسبة."
                    : "No access rule gives your account a role in Wasl. Ask your facility's "
                      "administrator to add you to the right group.";
    case Refusal::kMfaRequired:
      return arabic ? "يتطلّب دورك تسجيل الدخول متعدّد العوامل؛ سجّل الدخول مرة أخرى باستخدامه."
                    : "Your role needs multi-factor sign-in; sign in again with it.";
    case Refusal::kExpiredAttempt:
      return arabic ? "استغرق تسجيل الدخول وقتًا طويلًا أو سبق استخدامه؛ ابدأ من جديد."
                    : "The sign-in took too long or was already used; start again.";
    case Refusal::kIdpError:
      return arabic ? "لم يُكمل مزوّد الهوية تسجيل الدخول؛ ابدأ من جديد، وإن تكرّر ذلك فاتصل "
                      "بمسؤول النظام."
                    : "The identity provider did not complete the sign-in; start again, and "
                      "tell your administrator if it keeps happening.";
  }
  return reason_text(Refusal::kIdpError, arabic);
}

PageText page_text(Refusal refusal, bool arabic) {
  if (arabic) {
    return PageText{.title = "تعذّر تسجيل الدخول — وصل",
                    .heading = "تعذّر تسجيل الدخول",
                    .reason = reason_text(refusal, true),
                    .start_again = "ابدأ من جديد",
                    .reference = "المرجع"};
  }
  return PageText{.title = "Sign-in refused — Wasl",
                  .heading = "Sign-in refused",
                  .reason = reason_text(refusal, false),
                  .start_again = "Start again",
                  .reference = "Reference"};
}

}  // namespace

std::string escape_html(std::string_view text) {
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

std::string refusal_page_html(Refusal refusal, bool arabic, std::string_view reference) {
  const PageText text = page_text(refusal, arabic);
  std::string html;
  html += "<!doctype html>\n";
  html += arabic ? "<html lang=\"ar\" dir=\"rtl\">\n" : "<html lang=\"en\" dir=\"ltr\">\n";
  html += "<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<meta name=\"referrer\" content=\"no-referrer\">\n";
  html += "<title>" + escape_html(text.title) + "</title>\n";
  html += "</head>\n<body>\n<main>\n";
  html += "<h1>" + escape_html(text.heading) + "</h1>\n";
  html += "<p id=\"reason\" data-reason=\"" + escape_html(to_string(refusal)) + "\">" +
          escape_html(text.reason) + "</p>\n";
  html +=
      "<p><a id=\"start-again\" href=\"/console/\">" + escape_html(text.start_again) + "</a></p>\n";
  if (!reference.empty()) {
    html += "<p id=\"reference\">" + escape_html(text.reference) + ": <code>" +
            escape_html(reference) + "</code></p>\n";
  }
  html += "</main>\n</body>\n</html>\n";
  return html;
}

http::Response refusal_page(const http::Request& request, Refusal refusal) {
  const bool arabic = http::prefers_arabic(request);
  http::Response response = http::Response::text(
      403, refusal_page_html(refusal, arabic, request.request_id), "text/html; charset=utf-8");
  response.set_header("Content-Language", arabic ? "ar" : "en");
  response.set_header("Content-Security-Policy", std::string(kConsoleContentSecurityPolicy));
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-store");
  return response;
}

}  // namespace wasl::signin
