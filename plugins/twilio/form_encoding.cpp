#include "plugins/twilio/form_encoding.hpp"

#include <cstddef>
#include <string>

#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/percent_encoding.hpp"

namespace wasl::plugins::twilio {
namespace {

// Decodes one name or value; `offset` is its position in the body, for errors.
sdk::Result<std::string> decode_component(std::string_view text, std::size_t offset) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      int hi = i + 1 < text.size() ? sdk::hex_digit_value(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? sdk::hex_digit_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                          "form body has a malformed percent escape at byte " +
                              std::to_string(offset + i) +
                              "; expected %XX with two hexadecimal digits");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string encode_form(const FormFields& fields) {
  std::string out;
  for (const auto& field : fields) {
    if (!out.empty()) out += '&';
    out += sdk::percent_encode(field.name);
    out += '=';
    out += sdk::percent_encode(field.value);
  }
  return out;
}

void append_repeated(FormFields& fields, std::string_view name,
                     const std::vector<std::string>& values) {
  for (const auto& value : values) fields.push_back({std::string(name), value});
}

sdk::Result<FormFields> parse_form(std::string_view body, std::size_t max_fields) {
  // Counted before anything is decoded or copied: a body of many tiny fields
  // is refused in one pass.
  std::size_t separators = 0;
  for (char c : body) separators += c == '&' ? 1 : 0;
  if (separators >= max_fields) {
    std::size_t count = 0;
    std::size_t start = 0;
    while (start <= body.size()) {
      std::size_t end = body.find('&', start);
      if (end == std::string_view::npos) end = body.size();
      if (end > start && ++count > max_fields) {
        return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                          "form body has more than " + std::to_string(max_fields) + " fields");
      }
      start = end + 1;
    }
  }
  FormFields fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view segment = body.substr(start, end - start);
    if (!segment.empty()) {
      std::size_t eq = segment.find('=');
      std::string_view raw_name = segment.substr(0, eq);
      std::string_view raw_value =
          eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
      WASL_ASSIGN_OR_RETURN(std::string name, decode_component(raw_name, start));
      WASL_ASSIGN_OR_RETURN(std::string value,
                            decode_component(raw_value, start + raw_name.size() + 1));
      fields.push_back({std::move(name), std::move(value)});
    }
    start = end + 1;
  }
  return fields;
}

std::optional<std::string> form_value(const FormFields& fields, std::string_view name) {
  for (const auto& field : fields) {
    if (field.name == name) return field.value;
  }
  return std::nullopt;
}

std::vector<std::string> form_values(const FormFields& fields, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& field : fields) {
    if (field.name == name) out.push_back(field.value);
  }
  return out;
}

}  // namespace wasl::plugins::twilio
