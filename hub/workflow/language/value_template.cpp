#include "hub/workflow/language/value_template.hpp"

namespace wasl::workflow {
namespace {

sdk::Error invalid_template(std::string message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, std::move(message), false);
}

std::string member(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

}  // namespace

bool StringTemplate::has_references() const {
  for (const auto& part : parts) {
    if (part.is_reference) return true;
  }
  return false;
}

sdk::Result<StringTemplate> parse_string_template(std::string_view text) {
  StringTemplate tmpl;
  std::string literal;
  std::size_t literal_column = 1;
  auto flush = [&] {
    if (!literal.empty()) {
      StringTemplate::Part part;
      part.literal = std::move(literal);
      part.column = literal_column;
      tmpl.parts.push_back(std::move(part));
      literal.clear();
    }
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      if (literal.empty()) literal_column = i + 1;
      literal += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") == 0) {
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        return invalid_template("column " + std::to_string(i + 1) + ": '${' is not closed by '}'");
      }
      std::string_view body = text.substr(i + 2, close - i - 2);
      std::size_t lead = 0;
      while (lead < body.size() && body[lead] == ' ') ++lead;
      std::size_t trail = body.size();
      while (trail > lead && body[trail - 1] == ' ') --trail;
      body = body.substr(lead, trail - lead);
      if (body.empty())
        return invalid_template("column " + std::to_string(i + 1) + ": empty reference '${}'");
      auto ref = parse_reference(body, i + 2 + lead);
      if (!ref.ok()) return std::move(ref).error();
      flush();
      StringTemplate::Part part;
      part.is_reference = true;
      part.reference = std::move(ref).value();
      part.column = i + 1;
      tmpl.parts.push_back(std::move(part));
      i = close + 1;
      continue;
    }
    if (literal.empty()) literal_column = i + 1;
    literal += text[i];
    ++i;
  }
  flush();
  return tmpl;
}

sdk::Result<nlohmann::json> render(const StringTemplate& tmpl, const EvaluationContext& context) {
  if (tmpl.single_reference()) return resolve(tmpl.parts[0].reference, context);
  std::string out;
  for (const auto& part : tmpl.parts) {
    if (!part.is_reference) {
      out += part.literal;
      continue;
    }
    WASL_ASSIGN_OR_RETURN(nlohmann::json value, resolve(part.reference, context));
    if (value.is_string()) {
      out += value.get<std::string>();
    } else {
      out += value.dump();
    }
  }
  return nlohmann::json(std::move(out));
}

sdk::Result<nlohmann::json> render_value(const nlohmann::json& value,
                                         const EvaluationContext& context,
                                         const std::string& name) {
  if (value.is_string()) {
    auto tmpl = parse_string_template(value.get_ref<const std::string&>());
    if (!tmpl.ok()) return invalid_template(name + ": " + tmpl.error().message);
    auto rendered = render(*tmpl, context);
    if (!rendered.ok()) return invalid_template(name + ": " + rendered.error().message);
    return std::move(rendered).value();
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      WASL_ASSIGN_OR_RETURN(out[it.key()],
                            render_value(it.value(), context, member(name, it.key())));
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < value.size(); ++i) {
      WASL_ASSIGN_OR_RETURN(nlohmann::json item,
                            render_value(value[i], context, member(name, std::to_string(i))));
      out.push_back(std::move(item));
    }
    return out;
  }
  return value;
}

void collect_references(const nlohmann::json& value, const std::string& name,
                        std::vector<ReferenceSite>& sites, std::vector<TemplateProblem>& problems) {
  if (value.is_string()) {
    auto tmpl = parse_string_template(value.get_ref<const std::string&>());
    if (!tmpl.ok()) {
      problems.push_back({name, tmpl.error().message});
      return;
    }
    for (const auto& part : tmpl->parts) {
      if (part.is_reference) sites.push_back({name, part.reference});
    }
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      collect_references(it.value(), member(name, it.key()), sites, problems);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      collect_references(value[i], member(name, std::to_string(i)), sites, problems);
    }
  }
}

}  // namespace wasl::workflow
