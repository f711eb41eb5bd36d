#include "output.hpp"

namespace fastovsdb::cli {

void Output::line(std::string_view text) {
  if (json()) return;
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

void Output::document(std::string_view json) {
  std::fwrite(json.data(), 1, json.size(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

std::string_view to_string(ovn::GroupChange::Action a) noexcept {
  using A = ovn::GroupChange::Action;
  switch (a) {
    case A::create_group: return "create_group";
    case A::delete_group: return "delete_group";
    case A::add_member: return "add_member";
    case A::remove_member: return "remove_member";
    case A::set_priority: return "set_priority";
    case A::drop_record: return "drop_record";
  }
  return "unknown";
}

void write_plan(JsonWriter& w, const ovn::Plan& plan) {
  w.begin_object();
  w.key("kind").string(ovn::to_string(plan.kind));
  w.key("subject").string(plan.subject);
  w.key("empty").boolean(plan.empty());
  w.key("changes").begin_array();
  for (const auto& c : plan.changes) {
    w.begin_object();
    w.key("action").string(to_string(c.action));
    w.key("group").string(c.group.value());
    if (c.group_uuid) w.key("group_uuid").string(c.group_uuid->to_string());
    if (c.chassis) w.key("chassis").string(c.chassis->value());
    if (c.member) w.key("ha_chassis").string(c.member->to_string());
    using A = ovn::GroupChange::Action;
    if (c.action == A::add_member || c.action == A::remove_member || c.action == A::set_priority)
      w.key("priority").integer(c.priority);
    if (c.old_priority) w.key("old_priority").integer(*c.old_priority);
    w.key("description").string(c.describe());
    w.end_object();
  }
  w.end_array();
  w.key("warnings").begin_array();
  for (const auto& warning : plan.warnings) w.string(warning);
  w.end_array();
  if (plan.next_nb_cfg) w.key("next_nb_cfg").integer(*plan.next_nb_cfg);
  w.end_object();
}

}  // namespace fastovsdb::cli
