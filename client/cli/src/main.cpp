// fastovsdb: argument parsing, dispatch, and the one-line error contract.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "failure.hpp"
#include "output.hpp"

namespace {

using namespace fastovsdb::cli;

std::optional<std::string> getenv_value(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

// Options that only some commands take.
void check_option_scope(const Options& o, const std::string& command) {
  const bool plans = command == "evacuate" || command == "restore" || command == "ha-group";
  if (o.dry_run && !plans) usage_fail("--dry-run is for evacuate, restore and ha-group");
  if (o.wait_sb && !plans) usage_fail("--wait is for evacuate, restore and ha-group");
  if (o.force && command != "evacuate") usage_fail("--force is for evacuate only");
  if (o.hostname && !(plans || command == "status")) usage_fail("--hostname is for commands that take a CHASSIS");
}

int dispatch(const Options& options, Output& out) {
  if (options.help || options.words.empty() || options.words[0] == "help") {
    if (options.words.empty() && !options.help) usage_fail("no command (try fastovsdb --help)");
    std::fputs(std::string(help_text()).c_str(), stdout);
    return exit_ok;
  }
  const std::string& command = options.words[0];
  check_option_scope(options, command);
  Context ctx{options, out};
  Operands operands(options.words.data() + 1, options.words.size() - 1);
  if (command == "status") return run_status(ctx, operands);
  if (command == "evacuate") return run_evacuate(ctx, operands);
  if (command == "restore") return run_restore(ctx, operands);
  if (command == "monitor") return run_monitor(ctx, operands);
  if (command == "ha-group") return run_ha_group(ctx, operands);
  if (command == "transact") return run_transact(ctx, operands);
  if (command == "dump") return run_dump(ctx, operands);
  usage_fail("unknown command " + command + " (try fastovsdb --help)");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  try {
    ParsedArgs parsed = parse_args(args, &getenv_value);
    if (parsed.error) usage_fail(parsed.error->message);
    Output out(parsed.options.format);
    return dispatch(parsed.options, out);
  } catch (const Failure& f) {
    std::fprintf(stderr, "fastovsdb: %s\n", f.what());
    return f.status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fastovsdb: internal error: %s\n", e.what());
    return exit_failed;
  }
}
