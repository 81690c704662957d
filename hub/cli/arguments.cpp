#include "hub/cli/arguments.hpp"

namespace wasl::cli {

std::optional<std::string> Arguments::option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

Arguments parse_arguments(const std::vector<std::string>& args, const std::set<std::string>& valued,
                          const std::set<std::string>& flag_names) {
  Arguments out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flag_names.count(name)) {
      if (value) {
        out.error = "option --" + name + " takes no value";
        return out;
      }
      out.flags.insert(name);
    } else if (valued.count(name)) {
      if (!value) {
        if (i + 1 >= args.size()) {
          out.error = "option --" + name + " needs a value";
          return out;
        }
        value = args[++i];
      }
      out.options[name] = *value;
    } else {
      out.error = "unknown option --" + name;
      return out;
    }
  }
  return out;
}

std::optional<Arguments> parse_command_arguments(const std::vector<std::string>& args,
                                                 std::string_view command, std::string_view usage,
                                                 const std::set<std::string>& valued,
                                                 const std::set<std::string>& flag_names,
                                                 std::ostream& err, bool positional_allowed) {
  Arguments parsed = parse_arguments(args, valued, flag_names);
  if (parsed.error.empty() && !positional_allowed && !parsed.positional.empty()) {
    parsed.error = "unexpected argument '" + parsed.positional[0] + "'";
  }
  if (!parsed.error.empty()) {
    err << "wasl " << command << ": " << parsed.error << "\n\n" << usage;
    return std::nullopt;
  }
  return parsed;
}

}  // namespace wasl::cli
