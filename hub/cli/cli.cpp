#include "hub/cli/cli.hpp"

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "hub/cli/command.hpp"

namespace wasl::cli {
namespace {

std::vector<const Command*> all_commands() {
  return {&serve_command(),
          &migrate_command(),
          &check_command(),
          &keys_generate_command(),
          &keys_rotate_command(),
          &keys_list_command(),
          &keys_retire_command(),
          &plugins_list_command(),
          &workflow_validate_command(),
          &workflow_run_now_command(),
          &apikeys_create_command(),
          &apikeys_list_command(),
          &apikeys_revoke_command(),
          &audit_verify_command(),
          &archive_migrate_command()};
}

// Number of words in a command name ("plugins list" -> 2).
std::size_t word_count(std::string_view name) {
  std::size_t n = 1;
  for (char c : name) n += (c == ' ');
  return n;
}

std::string join_words(const std::vector<std::string>& words, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < words.size(); ++i) {
    if (i) out += ' ';
    out += words[i];
  }
  return out;
}

void print_overview(std::ostream& out) {
  out << "wasl — telehealth integration hub\n\n"
         "Usage: wasl <command> [options]\n\n"
         "Commands:\n";
  for (const Command* c : all_commands()) {
    std::string name(c->name);
    out << "  " << name << std::string(name.size() < 20 ? 20 - name.size() : 1, ' ') << c->summary
        << "\n";
  }
  out << "\nRun `wasl <command> --help` for a command's options.\n"
         "Exit codes: 0 ok, 1 a failure you can fix (the message says how), 2 usage.\n";
}

}  // namespace

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_overview(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "wasl " << WASL_VERSION << "\n";
    return kExitOk;
  }
  // The longest command name that matches the leading words wins.
  const Command* chosen = nullptr;
  for (const Command* c : all_commands()) {
    std::size_t n = word_count(c->name);
    if (args.size() >= n && join_words(args, n) == c->name &&
        (!chosen || n > word_count(chosen->name))) {
      chosen = c;
    }
  }
  if (!chosen) {
    // `wasl keys` alone: name the commands of that group.
    std::string group = args[0] + " ";
    std::string members;
    for (const Command* c : all_commands()) {
      if (c->name.rfind(group, 0) == 0) {
        members += "\n  wasl " + std::string(c->name) + "  " + std::string(c->summary);
      }
    }
    if (!members.empty()) {
      std::cerr << "wasl " << args[0] << ": name one of these commands:" << members << "\n";
      return kExitUsage;
    }
    std::cerr << "wasl: unknown command '" << args[0] << "'\n\n";
    print_overview(std::cerr);
    return kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + static_cast<long>(word_count(chosen->name)),
                                args.end());
  for (const auto& a : rest) {
    if (a == "--help" || a == "-h") {
      std::cout << chosen->usage;
      return kExitOk;
    }
  }
  return chosen->run(rest, std::cout, std::cerr);
}

}  // namespace wasl::cli
