#include "args.hpp"

#include <charconv>
#include <cmath>

#include "fastovsdb/core/remote.hpp"

namespace fastovsdb::cli {

namespace {

constexpr std::string_view default_nb = "unix:/var/run/ovn/ovnnb_db.sock";
constexpr std::string_view default_sb = "unix:/var/run/ovn/ovnsb_db.sock";
// A day: long enough for anything, short enough to never overflow a duration.
constexpr double max_timeout_seconds = 86400;

std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) || seconds <= 0 ||
      seconds > max_timeout_seconds)
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
}

class Parser {
 public:
  Parser(const std::vector<std::string_view>& args, Environment env) : args_(args), env_(env) {}

  ParsedArgs run() {
    std::optional<std::string> nb, sb;
    bool only_words = false;
    for (i_ = 0; i_ < args_.size() && !out_.error; ++i_) {
      std::string_view a = args_[i_];
      if (only_words || a == "-" || a.empty() || a[0] != '-') {
        out_.options.words.emplace_back(a);
        continue;
      }
      if (a == "--") {
        only_words = true;
        continue;
      }
      // "--name=value" carries its value inline.
      std::string_view name = a;
      std::optional<std::string_view> inline_value;
      if (a.starts_with("--")) {
        if (auto eq = a.find('='); eq != std::string_view::npos) {
          name = a.substr(0, eq);
          inline_value = a.substr(eq + 1);
        }
      }
      Options& o = out_.options;
      auto flag = [&](bool& target) {
        if (inline_value) return fail("option " + std::string(name) + " takes no value");
        target = true;
      };
      if (name == "--nb") {
        if (auto v = value(name, inline_value)) nb = *v;
      } else if (name == "--sb") {
        if (auto v = value(name, inline_value)) sb = *v;
      } else if (name == "-p" || name == "--private-key") {
        if (auto v = value(name, inline_value)) o.private_key = *v;
      } else if (name == "-c" || name == "--certificate") {
        if (auto v = value(name, inline_value)) o.certificate = *v;
      } else if (name == "-C" || name == "--ca-cert") {
        if (auto v = value(name, inline_value)) o.ca_cert = *v;
      } else if (name == "--timeout" || name == "-t") {
        if (auto v = value(name, inline_value)) {
          if (auto t = parse_seconds(*v)) {
            o.timeout = *t;
          } else {
            fail("--timeout wants a number of seconds above 0 and at most 86400, not '" + *v + "'");
          }
        }
      } else if (name == "--format" || name == "-f") {
        if (auto v = value(name, inline_value)) {
          if (*v == "text") {
            o.format = Format::text;
          } else if (*v == "json") {
            o.format = Format::json;
          } else {
            fail("--format wants text or json, not '" + *v + "'");
          }
        }
      } else if (name == "--wait") {
        if (auto v = value(name, inline_value)) {
          if (*v == "sb") {
            o.wait_sb = true;
          } else if (*v == "none") {
            o.wait_sb = false;
          } else {
            fail("--wait wants sb or none, not '" + *v + "'");
          }
        }
      } else if (name == "--hostname") {
        flag(o.hostname);
      } else if (name == "--dry-run") {
        flag(o.dry_run);
      } else if (name == "--force") {
        flag(o.force);
      } else if (name == "--help" || name == "-h") {
        flag(o.help);
      } else {
        fail("unknown option " + std::string(name));
      }
    }
    out_.options.nb = remote_option("--nb", nb, "OVN_NB_DB", default_nb);
    out_.options.sb = remote_option("--sb", sb, "OVN_SB_DB", default_sb);
    return std::move(out_);
  }

 private:
  void fail(std::string message) {
    if (!out_.error) out_.error = UsageError{std::move(message)};
  }

  // The option's value: inline after '=', else the next argument.
  std::optional<std::string> value(std::string_view name, std::optional<std::string_view> inline_value) {
    if (inline_value) {
      if (inline_value->empty()) fail("option " + std::string(name) + " needs a value");
      return inline_value->empty() ? std::nullopt : std::optional<std::string>(*inline_value);
    }
    if (i_ + 1 >= args_.size()) {
      fail("option " + std::string(name) + " needs a value");
      return std::nullopt;
    }
    return std::string(args_[++i_]);
  }

  // The remotes of --nb/--sb, else of the variable, else the default, checked
  // here with the one remote parser: a malformed remote is bad usage, found
  // before any command connects to anything.
  std::string remote_option(std::string_view option, const std::optional<std::string>& given,
                            const char* variable, std::string_view fallback) {
    std::string source(option);
    std::string remotes(fallback);
    if (given) {
      remotes = *given;
    } else if (auto v = env_ ? env_(variable) : std::nullopt; v && !v->empty()) {
      source = "$" + std::string(variable);
      remotes = *v;
    }
    if (auto parsed = parse_remotes(remotes); !parsed)
      fail("bad remote for " + source + " '" + remotes + "': " + parsed.error().detail);
    return remotes;
  }

  const std::vector<std::string_view>& args_;
  Environment env_;
  size_t i_ = 0;
  ParsedArgs out_;
};

}  // namespace

ParsedArgs parse_args(const std::vector<std::string_view>& args, Environment environment) {
  return Parser(args, environment).run();
}

std::string_view help_text() {
  return R"(usage: fastovsdb [OPTIONS] COMMAND [ARG...]

OVN high-availability chassis groups, spoken natively over OVSDB.

Commands:
  status [CHASSIS]             chassis (SB) and every HA chassis group (NB) with
                               members, priorities and evacuation records; only
                               the groups holding or recording CHASSIS if given
  evacuate CHASSIS             remove CHASSIS from every HA chassis group,
                               recording its priorities [--dry-run] [--force]
                               [--wait sb]
  restore CHASSIS              put CHASSIS back where it was evacuated from
                               [--dry-run] [--wait sb]
  monitor chassis              stream SB chassis events until interrupted
  ha-group add GROUP
  ha-group del GROUP
  ha-group add-chassis GROUP CHASSIS PRIORITY
  ha-group remove-chassis GROUP CHASSIS
  ha-group set-priority GROUP CHASSIS PRIORITY
  transact DB JSON-OPS         run a transaction (a JSON array of operations)
                               and print the result
  dump DB [TABLE]              print the rows of DB (OVN_Northbound or
                               OVN_Southbound), or of one table
  help                         this text

Options:
  --nb REMOTE                  Northbound database (default: $OVN_NB_DB, else
                               unix:/var/run/ovn/ovnnb_db.sock)
  --sb REMOTE                  Southbound database (default: $OVN_SB_DB, else
                               unix:/var/run/ovn/ovnsb_db.sock)
                               REMOTE: unix:PATH, tcp:HOST:PORT, ssl:HOST:PORT,
                               or a comma-separated list (a cluster)
  -p, --private-key FILE       ssl: private key (PEM)
  -c, --certificate FILE       ssl: certificate for that key (PEM)
  -C, --ca-cert FILE           ssl: CA certificate the server's must chain to
  --timeout SECONDS            bound on connecting and on each request (30)
  --format text|json           output format (text); json prints one document
                               per command, one per line for monitor
  --hostname                   CHASSIS operands are SB Chassis hostnames
  --dry-run                    evacuate/restore: print the plan, change nothing
  --force                      evacuate even if a group would be left empty
  --wait sb                    wait until ovn-northd has applied the change to
                               the Southbound database
  -h, --help                   this text

Exit status: 0 success, 1 the operation failed, 2 bad usage.
)";
}

}  // namespace fastovsdb::cli
