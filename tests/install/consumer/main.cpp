#include <fastovsdb/core/json_writer.hpp>
#include <fastovsdb/core/uuid.hpp>
#include <fastovsdb/ovn/names.hpp>

#include <cstdio>
#include <string>

int main() {
  auto uuid = fastovsdb::Uuid::parse("550e8400-e29b-41d4-a716-446655440000");
  fastovsdb::ovn::ChassisName name("member-1");
  std::string out;
  fastovsdb::JsonWriter(out).begin_array().string(name.value()).string(uuid->to_string()).end_array();
  std::puts(out.c_str());
  return out == R"(["member-1","550e8400-e29b-41d4-a716-446655440000"])" ? 0 : 1;
}
