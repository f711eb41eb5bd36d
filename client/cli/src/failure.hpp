#pragma once
// How a command gives up: it throws a Failure, and main prints its one line
// ("fastovsdb: <message>") and exits with its status. Exceptions stay inside
// the CLI; the libraries below return Results.
#include <stdexcept>
#include <string>

#include "fastovsdb/core/error.hpp"

namespace fastovsdb::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

struct Failure : std::runtime_error {
  Failure(int s, const std::string& message) : std::runtime_error(message), status(s) {}
  int status;
};

// The operation failed (exit 1).
[[noreturn]] inline void fail(const std::string& message) { throw Failure(exit_failed, message); }
// Bad usage (exit 2); the message gets a "usage: " prefix.
[[noreturn]] inline void usage_fail(const std::string& message) { throw Failure(exit_usage, "usage: " + message); }

// An Error's detail without the category prefix when the detail already says
// it all, else the full message.
inline std::string reason(const Error& e) { return e.detail.empty() ? e.message() : e.detail; }

}  // namespace fastovsdb::cli
