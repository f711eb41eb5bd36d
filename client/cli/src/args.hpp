#pragma once
// The command line of `fastovsdb`: global options (anywhere on the line, as
// "--name VALUE" or "--name=VALUE"), then the command and its operands.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fastovsdb::cli {

enum class Format { text, json };

struct Options {
  // Remotes in OVS syntax; from --nb/--sb, else OVN_NB_DB/OVN_SB_DB, else
  // the default sockets of ovn-nbctl/ovn-sbctl. parse_args has checked them
  // with parse_remotes.
  std::string nb;
  std::string sb;
  // ssl: files, as ovn-nbctl -p/-c/-C.
  std::string private_key;
  std::string certificate;
  std::string ca_cert;
  // Bounds connecting and every request.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  Format format = Format::text;
  // CHASSIS operands are SB Chassis hostnames, resolved to names.
  bool hostname = false;
  bool dry_run = false;
  bool force = false;
  bool wait_sb = false;
  bool help = false;
  // The command and its operands.
  std::vector<std::string> words;
};

// What parse_args found wrong (exit status 2).
struct UsageError {
  std::string message;
};

// `environment` looks a variable up (getenv in main; a map in tests).
using Environment = std::optional<std::string> (*)(const char* name);

// Either the options or a usage error; `args` excludes argv[0].
struct ParsedArgs {
  Options options;
  std::optional<UsageError> error;
};
ParsedArgs parse_args(const std::vector<std::string_view>& args, Environment environment);

// The usage text of --help.
std::string_view help_text();

}  // namespace fastovsdb::cli
