// monitor chassis: SB chassis events, one line each, until SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <ctime>
#include <mutex>

#include "commands.hpp"
#include "connection.hpp"
#include "failure.hpp"
#include "fastovsdb/ovn/chassis_monitor.hpp"

namespace fastovsdb::cli {

namespace {

std::string event_json(const ovn::ChassisEvent& e) {
  const auto& c = e.chassis();
  std::string doc;
  JsonWriter w(doc);
  w.begin_object();
  w.key("event").string(ovn::to_string(e.kind));
  w.key("name").string(c.name().value());
  w.key("hostname").string(c.hostname().value());
  w.key("uuid").string(c.uuid().to_string());
  if (e.kind == ovn::ChassisEventKind::changed) {
    w.key("changed").begin_array();
    for (const auto& col : e.changed_columns) w.string(col);
    w.end_array();
    if (e.before && e.before->hostname() != c.hostname()) w.key("old_hostname").string(e.before->hostname().value());
  }
  w.end_object();
  return doc;
}

std::string event_text(const ovn::ChassisEvent& e) {
  const auto& c = e.chassis();
  std::string s = std::string(ovn::to_string(e.kind)) + " chassis " + c.name().value() + " hostname " +
                  (c.hostname().value().empty() ? "-" : c.hostname().value());
  if (e.kind == ovn::ChassisEventKind::changed) {
    std::string cols;
    for (const auto& col : e.changed_columns) cols += (cols.empty() ? "" : ",") + col;
    s += " (changed: " + cols + ")";
    if (e.before && e.before->hostname() != c.hostname())
      s += " (hostname was " + e.before->hostname().value() + ")";
  }
  return s;
}

}  // namespace

int run_monitor(const Context& ctx, Operands operands) {
  if (operands.size() != 1 || operands[0] != "chassis") usage_fail("expected: monitor chassis");
  // Blocked before the client's thread starts, so that only sigtimedwait
  // below sees them and the exit is clean.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto sb = connect(ctx.options, Db::sb, ovn_replication(Db::sb));
  Output& out = ctx.out;
  ovn::ChassisMonitor monitor([&out](const ovn::ChassisEvent& e) {
    if (out.json()) {
      out.document(event_json(e));
    } else {
      out.line(event_text(e));
    }
  });
  // After the initial sync: only changes from now on are events.
  monitor.attach(sb->client());
  for (;;) {
    timespec tick{1, 0};
    int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) break;
  }
  // Detach before the monitor goes away; the client's strand runs this
  // before anything queued after it.
  sb->client().set_change_listener({});
  sb->with_replica([](const Replica*) { return 0; });
  return exit_ok;
}

}  // namespace fastovsdb::cli
