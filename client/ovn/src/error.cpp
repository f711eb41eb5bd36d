#include "fastovsdb/ovn/error.hpp"

namespace fastovsdb::ovn {
namespace {

class OvnCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "fastovsdb.ovn"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::ok: return "ok";
      case Errc::missing_table: return "table not replicated or missing from the server's schema";
      case Errc::group_not_found: return "HA chassis group not found";
      case Errc::chassis_not_in_group: return "chassis not in HA chassis group";
      case Errc::would_empty_group: return "would leave an HA chassis group empty";
      case Errc::invalid_priority: return "invalid priority";
      case Errc::retries_exhausted: return "concurrent changes: retries exhausted";
      case Errc::commit_failed: return "transaction failed";
      case Errc::no_nb_global: return "no NB_Global row";
      case Errc::wait_timeout: return "timed out waiting";
      case Errc::not_synced: return "replica not synced";
      case Errc::missing_column: return "column missing from the server's schema";
    }
    return "unknown fastovsdb.ovn error";
  }
};

}  // namespace

const boost::system::error_category& ovn_category() noexcept {
  static const OvnCategory category;
  return category;
}

}  // namespace fastovsdb::ovn
