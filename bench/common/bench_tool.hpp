#pragma once
// What every whole-client benchmark tool (bench/sync, bench/evacuation,
// bench/cluster) needs around its measurement: the command line (usage
// errors exit 2 with the tool's usage text), clocks, process CPU time and
// RSS, and a failure exit (status 1) that says what failed and why.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "fastovsdb/core/error.hpp"

namespace fastovsdb::bench {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
inline double seconds_since(Clock::time_point start) { return seconds(Clock::now() - start); }

inline rusage usage_now() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return r;
}
// User + system CPU seconds of a getrusage() reading, or of this process now.
inline double cpu_seconds(const rusage& r) {
  auto tv = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return tv(r.ru_utime) + tv(r.ru_stime);
}
inline double cpu_seconds() { return cpu_seconds(usage_now()); }
// Peak resident set of this process so far (ru_maxrss), in KiB.
inline long max_rss_kb() { return usage_now().ru_maxrss; }
// Resident set now (not the peak), in KiB; -1 if /proc cannot tell.
inline long current_rss_kb() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long size = 0, resident = 0;
  int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  if (n != 2) return -1;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// The command line of one tool: options (`--name value`) and positional
// arguments, in any order.
//
//   ToolArgs args("fastovsdb_evacuate", "usage: ...", argc, argv);
//   while (args.next()) {
//     if (args.is("--chassis")) chassis = args.value();
//     else if (args.is("--timeout")) timeout = args.positive_seconds();
//     else remote = args.positional();
//   }
class ToolArgs {
 public:
  ToolArgs(const char* tool, const char* usage_text, int argc, char** argv)
      : tool_(tool), usage_(usage_text), argc_(argc), argv_(argv) {}

  bool next() { return ++i_ < argc_; }
  std::string_view arg() const { return argv_[i_]; }
  bool is(std::string_view option) const { return arg() == option; }

  // The current option's value.
  const char* value() {
    if (i_ + 1 >= argc_) usage(std::string(arg()) + " needs a value");
    option_ = arg();
    return argv_[++i_];
  }
  // The value as an integer >= min.
  long integer(long min) {
    const char* text = value();
    char* end = nullptr;
    long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < min)
      usage(std::string(option_) + " must be an integer >= " + std::to_string(min));
    return v;
  }
  double positive_seconds() {
    double v = std::strtod(value(), nullptr);
    if (!(v > 0)) usage(std::string(option_) + " must be a positive number of seconds");
    return v;
  }
  // The value, which must be one of `choices`.
  std::string_view one_of(std::initializer_list<std::string_view> choices) {
    std::string_view v = value();
    std::string list;
    for (std::string_view c : choices) {
      if (v == c) return v;
      list += (list.empty() ? "" : " or ") + std::string(c);
    }
    usage(std::string(option_) + " is " + list);
  }
  // The current argument as the next positional one; an unknown option or
  // a positional beyond `max` is a usage error.
  std::string_view positional(size_t max = 1) {
    if (!arg().empty() && arg()[0] == '-') usage("unknown option " + std::string(arg()));
    if (++positionals_ > max) usage("unexpected argument " + std::string(arg()));
    return arg();
  }

  [[noreturn]] void usage(const std::string& why) const {
    std::fprintf(stderr, "%s: %s\n%s\n", tool_, why.c_str(), usage_);
    std::exit(2);
  }

 private:
  const char* tool_;
  const char* usage_;
  int argc_;
  char** argv_;
  int i_ = 0;
  size_t positionals_ = 0;
  std::string_view option_;
};

[[noreturn]] inline void fail(const char* tool, const std::string& what, const Error& e) {
  std::fprintf(stderr, "%s: %s: %s\n", tool, what.c_str(), e.message().c_str());
  std::exit(1);
}

}  // namespace fastovsdb::bench
