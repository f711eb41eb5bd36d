#pragma once
// The locks a session's user wants (RFC 7047 section 4.1.8), and whether each
// is held on the current connection. Locks belong to a connection on the
// server: every wanted lock is lost with it and asked for again on the next.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/session.hpp"

namespace fastovsdb {

class LockTable {
 public:
  void want(std::string_view name) { locks_.emplace(std::string(name), false); }
  void forget(std::string_view name) {
    if (auto it = locks_.find(name); it != locks_.end()) locks_.erase(it);
  }
  bool wanted(std::string_view name) const { return locks_.find(name) != locks_.end(); }
  bool held(std::string_view name) const {
    auto it = locks_.find(name);
    return it != locks_.end() && it->second;
  }
  // A "locked"/"stolen" notification or a lock reply: the event to report,
  // if the state of a wanted lock really changed.
  std::optional<LockChanged> set_held(std::string_view name, bool held) {
    auto it = locks_.find(name);
    if (it == locks_.end() || it->second == held) return std::nullopt;
    it->second = held;
    return LockChanged{it->first, held ? LockEvent::acquired : LockEvent::stolen};
  }
  // The connection is gone: a `lost` event for every lock that was held.
  std::vector<LockChanged> lose_all() {
    std::vector<LockChanged> lost;
    for (auto& [name, held] : locks_) {
      if (held) lost.push_back(LockChanged{name, LockEvent::lost});
      held = false;
    }
    return lost;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, held] : locks_) out.push_back(name);
    return out;
  }

 private:
  std::map<std::string, bool, std::less<>> locks_;
};

}  // namespace fastovsdb
