#include "fastovsdb/core/remote.hpp"

#include <charconv>

namespace fastovsdb {
namespace {

Error remote_error(std::string_view text, size_t where, std::string_view what) {
  std::string d = "\"";
  d.append(text);
  d += "\" at character ";
  d += std::to_string(where);
  d += ": ";
  d.append(what);
  return Error(Errc::invalid_remote, std::move(d));
}

bool is_host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool is_ipv6_char(char c) noexcept {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.' || c == '%';
}

// "HOST:PORT" or "[IPv6]:PORT", starting at `base` in `text`.
Result<void> parse_host_port(std::string_view text, size_t base, Remote& r) {
  std::string_view rest = text.substr(base);
  size_t port_colon;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return remote_error(text, base, "'[' without a closing ']'");
    std::string_view addr = rest.substr(1, close - 1);
    if (addr.empty()) return remote_error(text, base + 1, "empty IPv6 address");
    const size_t zone = addr.find('%');  // fe80::1%eth0: the zone is an interface name
    for (size_t i = 0; i < addr.size(); ++i) {
      if (i > zone ? !is_host_char(addr[i]) : !is_ipv6_char(addr[i])) {
        return remote_error(text, base + 1 + i, "character not allowed in an IPv6 address");
      }
    }
    if (addr.find(':') == std::string_view::npos) {
      return remote_error(text, base + 1, "a bracketed address must be IPv6");
    }
    r.host.assign(addr);
    if (close + 1 >= rest.size() || rest[close + 1] != ':') {
      return remote_error(text, base + close + 1, "expected ':PORT' after ']'");
    }
    port_colon = close + 1;
  } else {
    port_colon = rest.find(':');
    if (port_colon == std::string_view::npos) {
      return remote_error(text, text.size(), "missing ':PORT'");
    }
    if (rest.find(':', port_colon + 1) != std::string_view::npos) {
      return remote_error(text, base, "an IPv6 address must be written in brackets: [addr]:port");
    }
    std::string_view host = rest.substr(0, port_colon);
    if (host.empty()) return remote_error(text, base, "empty host");
    for (size_t i = 0; i < host.size(); ++i) {
      if (!is_host_char(host[i])) return remote_error(text, base + i, "character not allowed in a host");
    }
    r.host.assign(host);
  }
  std::string_view port = rest.substr(port_colon + 1);
  size_t port_at = base + port_colon + 1;
  if (port.empty()) return remote_error(text, port_at, "empty port");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size()) {
    size_t bad = ec == std::errc() ? static_cast<size_t>(end - port.data()) : 0;
    return remote_error(text, port_at + bad, "the port must be a decimal number");
  }
  if (value == 0 || value > 65535) return remote_error(text, port_at, "the port must be in 1..65535");
  r.port = static_cast<uint16_t>(value);
  return {};
}

std::string_view trim(std::string_view s, size_t& offset) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
    ++offset;
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Remote> parse_remote(std::string_view text) {
  Remote r;
  r.text.assign(text);
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return remote_error(text, 0, "expected unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT");
  }
  std::string_view method = text.substr(0, colon);
  if (method == "unix") {
    r.kind = Remote::Kind::unix_socket;
    std::string_view path = text.substr(colon + 1);
    if (path.empty()) return remote_error(text, colon + 1, "empty socket path");
    if (path.find('\0') != std::string_view::npos) {
      return remote_error(text, colon + 1 + path.find('\0'), "NUL byte in the socket path");
    }
    r.path.assign(path);
    return r;
  }
  if (method == "tcp" || method == "ssl") {
    r.kind = method == "tcp" ? Remote::Kind::tcp : Remote::Kind::ssl;
    auto hp = parse_host_port(text, colon + 1, r);
    if (!hp) return hp.error();
    return r;
  }
  if (method == "punix" || method == "ptcp" || method == "pssl") {
    return remote_error(text, 0, "passive remotes are for servers; a client connects actively");
  }
  return remote_error(text, 0, "unknown connection method (expected unix, tcp or ssl)");
}

Result<std::vector<Remote>> parse_remotes(std::string_view text) {
  std::vector<Remote> out;
  size_t start = 0;
  size_t index = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    size_t end = comma == std::string_view::npos ? text.size() : comma;
    size_t offset = start;
    std::string_view entry = trim(text.substr(start, end - start), offset);
    if (entry.empty()) {
      return Error(Errc::invalid_remote, "remote list \"" + std::string(text) + "\": entry " +
                                             std::to_string(index) + " at character " +
                                             std::to_string(offset) + " is empty");
    }
    auto r = parse_remote(entry);
    if (!r) {
      return Error(Errc::invalid_remote, "remote list entry " + std::to_string(index) +
                                             " (character " + std::to_string(offset) +
                                             " of the list): " + r.error().detail);
    }
    out.push_back(std::move(*r));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
    ++index;
  }
  return out;
}

}  // namespace fastovsdb
