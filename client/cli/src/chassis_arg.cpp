#include "chassis_arg.hpp"

#include <algorithm>
#include <vector>

#include "failure.hpp"
#include "fastovsdb/ovn/views.hpp"

namespace fastovsdb::cli {

void check_chassis_operand(const std::string& operand, const std::string& command) {
  if (operand.empty()) usage_fail(command + ": CHASSIS must not be empty");
}

ovn::ChassisName resolve_chassis(const Options& options, net::SyncClient* sb, const std::string& operand,
                                 const std::string& command) {
  check_chassis_operand(operand, command);
  if (!options.hostname) return ovn::ChassisName(operand);
  if (!sb) fail(command + ": --hostname needs the Southbound database");
  auto found = sb->with_replica([&](const Replica* replica) -> Result<std::vector<std::string>> {
    if (!replica) return Error(Errc::invalid_argument, "no Southbound replica");
    auto view = ovn::SbView::of(*replica);
    if (!view) return view.error();
    std::vector<std::string> names;
    for (const auto& chassis : view->chassis())
      if (chassis.hostname().value() == operand) names.push_back(chassis.name().value());
    return names;
  });
  if (!found) fail(command + ": cannot resolve hostname " + operand + ": " + reason(found.error()));
  if (found->empty()) fail(command + ": no Southbound chassis has hostname " + operand);
  if (found->size() > 1) {
    std::sort(found->begin(), found->end());
    std::string list;
    for (const auto& n : *found) list += (list.empty() ? "" : ", ") + n;
    fail(command + ": hostname " + operand + " is ambiguous: chassis " + list + " all have it");
  }
  return ovn::ChassisName(found->front());
}

}  // namespace fastovsdb::cli
