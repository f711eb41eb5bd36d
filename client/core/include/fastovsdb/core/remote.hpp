#pragma once
// The one parser of OVSDB remote names, in Open vSwitch syntax:
//   unix:PATH
//   tcp:HOST:PORT    tcp:[IPv6]:PORT
//   ssl:HOST:PORT    ssl:[IPv6]:PORT
// and comma-separated lists of them (the members of a cluster). HOST may be an
// IPv4 address or a host name (resolving it is the driver's job); an IPv6
// address must be bracketed. Passive remotes (punix:, ptcp:, pssl:) are for
// servers and are rejected.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/error.hpp"

namespace fastovsdb {

struct Remote {
  enum class Kind : uint8_t { unix_socket, tcp, ssl };

  Kind kind = Kind::tcp;
  std::string path;   // unix_socket only
  std::string host;   // tcp and ssl: without the IPv6 brackets
  uint16_t port = 0;  // tcp and ssl
  std::string text;   // the remote as written, e.g. "tcp:[::1]:6641"

  friend bool operator==(const Remote&, const Remote&) = default;
};

// One remote. Errors are Errc::invalid_remote and say what is wrong and at
// which character.
Result<Remote> parse_remote(std::string_view text);
// A comma-separated list (spaces around commas allowed); at least one remote.
// Errors name the list entry and the character offset in `text`.
Result<std::vector<Remote>> parse_remotes(std::string_view text);

}  // namespace fastovsdb
