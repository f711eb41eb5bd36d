// The OVN layer against a real ovsdb-server that runs an older Northbound
// schema than ours (a rolling upgrade: the server is upgraded last): the
// real ovn-nb.ovsschema with a monitored column or table taken out and an
// older version number. The session monitors what the server has and reports
// each gap once (SchemaSkew); ovn::HaManager evacuates and restores a chassis
// without the columns it can do without, checked with ovn-nbctl; and a
// column or table it cannot do without makes the operation fail at once with
// an error naming table, column and the server's schema version, while the
// session stays connected (no reconnect loop, no timeout).
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <future>
#include <mutex>
#include <tuple>

#include "../unit/ovn/schema_edit.hpp"
#include "client_test_util.hpp"
#include "fastovsdb/ovn/error.hpp"
#include "fastovsdb/ovn/ha_manager.hpp"
#include "fastovsdb/ovn/views.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;
using ovn::ChassisName;
using ovn::HaManager;
using ovn::HaChassisGroupName;

// Older than any schema ovn-common ships: a message naming it names the
// server's schema, not ours.
constexpr const char* old_version = "5.10.0";
constexpr const char* nb_database = "OVN_Northbound";

using Gap = std::tuple<std::string, std::string, std::string>;  // table, column, server version

// A client of the OVN layer's NB monitor that records every SchemaSkew event
// and counts connections: the independent witness of what the session
// reported (HaManager's SyncClient starts before a handler could be set).
class SkewWitness {
 public:
  SkewWitness(boost::asio::io_context& io, net::ClientOptions options) {
    auto c = net::Client::create(io.get_executor(), std::move(options));
    if (!c) throw std::runtime_error(c.error().message());
    client_.emplace(std::move(*c));
    client_->set_event_handler([this](const SessionEvent& e) {
      std::lock_guard lock(mutex_);
      if (auto* s = std::get_if<SchemaSkew>(&e)) gaps_.emplace_back(s->gap.table, s->gap.column, s->gap.server_version);
      if (std::holds_alternative<Connected>(e)) ++connects_;
    });
    client_->start();
  }
  ~SkewWitness() { client_->stop(); }

  template <class F>
  auto inspect(F f) {
    auto fut = client_->async_inspect(std::move(f), boost::asio::use_future);
    if (fut.wait_for(30s) != std::future_status::ready) throw std::runtime_error("inspect timed out");
    return fut.get();
  }
  bool wait_synced(std::chrono::milliseconds timeout = 20s) {
    auto f = client_->async_wait_synced(boost::asio::use_future);
    return f.wait_for(timeout) == std::future_status::ready && f.get().has_value();
  }
  std::vector<Gap> gaps() {
    std::lock_guard lock(mutex_);
    auto sorted = gaps_;
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }
  int connects() {
    std::lock_guard lock(mutex_);
    return connects_;
  }

 private:
  std::optional<net::Client> client_;
  std::mutex mutex_;
  std::vector<Gap> gaps_;
  int connects_ = 0;
};

class OvnSchemaSkewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_ovsdb_server() || !std::filesystem::exists(ovn_nbctl_binary))
      GTEST_SKIP() << "ovsdb-server or ovn-nbctl missing";
    char tmpl[] = "/tmp/fastovsdb-skew.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    schema_dir_ = tmpl;
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    if (!schema_dir_.empty()) std::filesystem::remove_all(schema_dir_, ec);
  }

  // A server of the NB schema without `drops`, at version old_version.
  void start_server(const std::vector<SchemaDrop>& drops) {
    server_.reset();
    const auto path = schema_dir_ / "ovn-nb-older.ovsschema";
    std::ofstream(path) << schema_text_without(read_file(ovn_nb_schema()), drops, old_version);
    server_.emplace(std::vector<std::filesystem::path>{path});
    remote_ = server_->unix_remote();
  }

  std::string nbctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {ovn_nbctl_binary, "--db=" + remote_, "--timeout=20"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_capture(argv, 30000ms);
    if (!r.ok()) throw std::runtime_error(join_command_line(argv) + " failed: " + r.err);
    return r.out;
  }
  HaMembership membership() { return parse_ha_chassis_group_list(nbctl({"ha-chassis-group-list"})); }
  std::string group_external_ids(const std::string& group) {
    auto s = nbctl({"get", "HA_Chassis_Group", group, "external_ids"});
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  // The groups of ovn_evacuation_test (hv1 in both), written by ovn-nbctl;
  // with `ports`, a router with a port per group (ha_chassis_group is set
  // only if the server's schema has it).
  void populate(bool ports) {
    nbctl({"init"});
    nbctl({"ha-chassis-group-add", "gw1"});
    nbctl({"ha-chassis-group-add", "gw2"});
    nbctl({"ha-chassis-group-add-chassis", "gw1", "hv1", "30"});
    nbctl({"ha-chassis-group-add-chassis", "gw1", "hv2", "20"});
    nbctl({"ha-chassis-group-add-chassis", "gw2", "hv3", "15"});
    nbctl({"ha-chassis-group-add-chassis", "gw2", "hv1", "10"});
    if (!ports) return;
    nbctl({"lr-add", "r1"});
    nbctl({"lrp-add", "r1", "lrp1", "00:00:00:00:00:01", "10.0.1.1/24"});
    nbctl({"lrp-add", "r1", "lrp2", "00:00:00:00:00:02", "10.0.2.1/24"});
  }

  // Evacuates hv1 and restores it, each checked with ovn-nbctl.
  void evacuate_and_restore(HaManager& ha) {
    const HaMembership original = membership();
    ASSERT_EQ(original.at("gw1"), (std::map<std::string, int64_t>{{"hv1", 30}, {"hv2", 20}}));
    ASSERT_EQ(original.at("gw2"), (std::map<std::string, int64_t>{{"hv1", 10}, {"hv3", 15}}));
    auto evac = ha.evacuate(ChassisName("hv1"));
    ASSERT_TRUE(evac) << evac.error().message();
    EXPECT_TRUE(evac->committed);
    EXPECT_EQ(evac->transactions_sent, 1);
    auto after = membership();
    EXPECT_EQ(after["gw1"], (std::map<std::string, int64_t>{{"hv2", 20}}));
    EXPECT_EQ(after["gw2"], (std::map<std::string, int64_t>{{"hv3", 15}}));
    EXPECT_NE(group_external_ids("gw1").find("\"fastovsdb:evacuated:hv1\"=\"30\""), std::string::npos)
        << group_external_ids("gw1");
    EXPECT_NE(group_external_ids("gw2").find("\"fastovsdb:evacuated:hv1\"=\"10\""), std::string::npos)
        << group_external_ids("gw2");
    auto again = ha.evacuate(ChassisName("hv1"));
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_TRUE(again->nothing_to_do());

    auto restore = ha.restore(ChassisName("hv1"));
    ASSERT_TRUE(restore) << restore.error().message();
    EXPECT_TRUE(restore->committed);
    EXPECT_EQ(membership(), original);
    EXPECT_EQ(group_external_ids("gw1"), "{}");
    EXPECT_EQ(group_external_ids("gw2"), "{}");
  }

  // Makes the server drop every client connection (they reconnect).
  void drop_connections() {
    run_command({ovs_appctl_binary, "-t", server_->unixctl_socket().string(), "ovsdb-server/reconnect"});
  }

  std::filesystem::path schema_dir_;
  std::optional<OvsdbServer> server_;
  std::string remote_;
};

TEST_F(OvnSchemaSkewTest, MissingColumnsAreReportedOnceAndEvacuationGoesOn) {
  start_server({{"NB_Global", "hv_cfg"}, {"Logical_Router_Port", "ha_chassis_group"}});
  populate(true);
  AsioThread t;
  SkewWitness witness(t.io, ovn_client_options(remote_, true));
  ASSERT_TRUE(witness.wait_synced());
  auto nb = connect_synced(remote_, ovn_client_options(remote_, true));
  EXPECT_FALSE(witness.inspect([](const Session& s) { return s.server_has_column("NB_Global", "hv_cfg"); }));
  EXPECT_TRUE(witness.inspect([](const Session& s) { return s.server_has_column("NB_Global", "sb_cfg"); }));

  // The views read the missing columns as their defaults.
  auto seen = nb->with_replica([](const Replica* r) -> Result<std::tuple<bool, int64_t, size_t, size_t>> {
    auto view = ovn::NbView::of(*r);
    if (!view) return view.error();
    auto global = view->nb_global();
    if (!global) return Error(Errc::invalid_argument, "no NB_Global row");
    size_t ports = 0;
    for (const auto& g : view->groups()) ports += view->ports_using(g).size();
    return std::tuple{global->has_hv_cfg(), global->hv_cfg(), ports, r->table("Logical_Router_Port")->size()};
  });
  ASSERT_TRUE(seen) << seen.error().message();
  EXPECT_EQ(*seen, std::make_tuple(false, int64_t{0}, size_t{0}, size_t{2}));

  HaManager ha(*nb);
  evacuate_and_restore(ha);

  // After a reconnect the same gaps are not reported again, and it all still works.
  const auto metrics_before = nb->metrics();
  drop_connections();
  ASSERT_TRUE(eventually([&] { return nb->metrics().connects > metrics_before.connects && nb->synced(); }, 20s));
  ASSERT_TRUE(eventually([&] { return witness.connects() >= 2; }, 20s));
  ASSERT_TRUE(witness.wait_synced());
  evacuate_and_restore(ha);

  const std::vector<Gap> expected = {{"Logical_Router_Port", "ha_chassis_group", old_version},
                                     {"NB_Global", "hv_cfg", old_version}};
  EXPECT_EQ(witness.gaps(), expected);
  EXPECT_EQ(nb->metrics().schema_gaps, 2u);
  EXPECT_EQ(witness.inspect([](const Session& s) { return s.metrics().schema_gaps; }), 2u);
}

TEST_F(OvnSchemaSkewTest, MissingLogicalRouterPortTableIsReportedOnceAndEvacuationGoesOn) {
  start_server({{"Logical_Router_Port", ""}});
  populate(false);
  AsioThread t;
  SkewWitness witness(t.io, ovn_client_options(remote_, true));
  ASSERT_TRUE(witness.wait_synced());
  auto nb = connect_synced(remote_, ovn_client_options(remote_, true));
  EXPECT_FALSE(witness.inspect([](const Session& s) { return s.server_has_table("Logical_Router_Port"); }));
  EXPECT_TRUE(nb->with_replica([](const Replica* r) { return r->table("Logical_Router_Port") == nullptr; }));

  HaManager ha(*nb);
  evacuate_and_restore(ha);
  // Group commands too: deleting a group has no ports to warn about.
  ASSERT_TRUE(ha.create_group(HaChassisGroupName("gw3")));
  auto del = ha.delete_group(HaChassisGroupName("gw3"));
  ASSERT_TRUE(del) << del.error().message();
  EXPECT_TRUE(del->plan.warnings.empty());
  EXPECT_EQ(membership().count("gw3"), 0u);

  drop_connections();
  ASSERT_TRUE(eventually([&] { return witness.connects() >= 2; }, 20s));
  ASSERT_TRUE(witness.wait_synced());
  ASSERT_TRUE(eventually([&] { return nb->metrics().connects >= 2 && nb->synced(); }, 20s));
  EXPECT_EQ(witness.gaps(), (std::vector<Gap>{{"Logical_Router_Port", "", old_version}}));
  EXPECT_EQ(nb->metrics().schema_gaps, 1u);
}

// Rows written with ovsdb-client (ovn-nbctl cannot write HA_Chassis without
// the column): gw1 = {hv1 30, hv2 20}, gw2 = {hv1 10, hv3 15}, minus the
// missing column. Returns the transact's output.
std::string insert_groups_without(const std::string& remote, const std::string& missing) {
  auto member = [&](const std::string& id, const std::string& chassis, int priority) {
    std::string row;
    if (missing != "chassis_name") row += "\"chassis_name\":\"" + chassis + "\"";
    if (missing != "priority") row += std::string(row.empty() ? "" : ",") + "\"priority\":" + std::to_string(priority);
    return "{\"op\":\"insert\",\"table\":\"HA_Chassis\",\"uuid-name\":\"" + id + "\",\"row\":{" + row + "}}";
  };
  auto group = [](const std::string& name, const std::string& a, const std::string& b) {
    return "{\"op\":\"insert\",\"table\":\"HA_Chassis_Group\",\"row\":{\"name\":\"" + name +
           "\",\"ha_chassis\":[\"set\",[[\"named-uuid\",\"" + a + "\"],[\"named-uuid\",\"" + b + "\"]]]}}";
  };
  std::string txn = std::string("[\"") + nb_database + "\",{\"op\":\"insert\",\"table\":\"NB_Global\",\"row\":{}}," +
                    member("m1", "hv1", 30) + "," + member("m2", "hv2", 20) + "," + member("m3", "hv1", 10) + "," +
                    member("m4", "hv3", 15) + "," + group("gw1", "m1", "m2") + "," + group("gw2", "m3", "m4") + "]";
  auto r = run_capture({ovsdb_client_binary, "--timeout=10", "transact", remote, txn}, 15s);
  if (!r.ok() || r.out.find("\"error\"") != std::string::npos)
    throw std::runtime_error("ovsdb-client transact failed: " + r.err + r.out);
  return r.out;
}

// What the database holds of the HA tables, for before/after comparisons.
std::string ha_tables(const std::string& remote, const DatabaseSchema& schema) {
  std::map<std::string, DumpedRows> tables;
  for (const char* t : {"HA_Chassis", "HA_Chassis_Group"})
    if (schema.find_table(t)) tables[t] = dump_rows_with_ovsdb_client(remote, nb_database, schema, t);
  return dumped_rows_to_json(tables);
}

TEST_F(OvnSchemaSkewTest, ARequiredColumnMissingFailsAtOnceNamingTableColumnAndVersion) {
  for (const char* column : {"priority", "chassis_name"}) {
    SCOPED_TRACE(column);
    start_server({{"HA_Chassis", column}});
    insert_groups_without(remote_, column);
    const DatabaseSchema schema =
        schema_without(load_schema(ovn_nb_schema()), {{"HA_Chassis", column}}, old_version);
    const std::string before = ha_tables(remote_, schema);

    auto nb = connect_synced(remote_, ovn_client_options(remote_, true));
    HaManager ha(*nb);
    // The session asked for every column of HA_Chassis, so nothing is
    // missing as far as it knows: the OVN layer finds the gap.
    for (auto [what, result] : {std::pair{"evacuate", ha.evacuate(ChassisName("hv1"))},
                                {"restore", ha.restore(ChassisName("hv1"))},
                                {"add-chassis", ha.add_chassis(HaChassisGroupName("gw1"), ChassisName("hv4"), 1)}}) {
      SCOPED_TRACE(what);
      ASSERT_FALSE(result);
      const Error& e = result.error();
      EXPECT_EQ(e.code, ovn::make_error_code(ovn::Errc::missing_column)) << e.message();
      for (std::string_view word : {std::string_view("HA_Chassis"), std::string_view(column),
                                    std::string_view(old_version), std::string_view(nb_database)})
        EXPECT_NE(e.detail.find(word), std::string::npos) << "'" << word << "' not in: " << e.detail;
      if (std::string_view(what) == "evacuate") std::cout << "[ info ] " << e.message() << "\n";
    }
    // Refused before anything was sent, on the connection it had: no
    // transaction, no reconnect, nothing stopped, nothing changed.
    auto m = nb->metrics();
    EXPECT_EQ(m.transactions_sent, 0u);
    EXPECT_EQ(m.reconnects, 0u);
    EXPECT_EQ(m.connects, 1u);
    EXPECT_EQ(m.schema_gaps, 0u);
    EXPECT_TRUE(nb->synced());
    EXPECT_EQ(ha_tables(remote_, schema), before);
  }
}

TEST_F(OvnSchemaSkewTest, ARequiredTableMissingFailsAtOnceNamingTableAndVersion) {
  // Without HA_Chassis, HA_Chassis_Group has no ha_chassis either.
  start_server({{"HA_Chassis", ""}});
  nbctl({"init"});
  nbctl({"ha-chassis-group-add", "gw1"});
  AsioThread t;
  SkewWitness witness(t.io, ovn_client_options(remote_, true));
  ASSERT_TRUE(witness.wait_synced());
  auto nb = connect_synced(remote_, ovn_client_options(remote_, true));
  HaManager ha(*nb);
  auto evac = ha.evacuate(ChassisName("hv1"));
  ASSERT_FALSE(evac);
  EXPECT_EQ(evac.error().code, ovn::make_error_code(ovn::Errc::missing_table)) << evac.error().message();
  std::cout << "[ info ] " << evac.error().message() << "\n";
  for (std::string_view word : {"HA_Chassis", "has no table", old_version, nb_database})
    EXPECT_NE(evac.error().detail.find(word), std::string::npos) << "'" << word << "' not in: " << evac.error().detail;
  auto m = nb->metrics();
  EXPECT_EQ(m.transactions_sent, 0u);
  EXPECT_EQ(m.reconnects, 0u);
  EXPECT_TRUE(nb->synced());
  EXPECT_EQ(witness.gaps(), (std::vector<Gap>{{"HA_Chassis", "", old_version}}));
}

}  // namespace
}  // namespace fastovsdb::test
