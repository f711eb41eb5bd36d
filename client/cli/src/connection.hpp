#pragma once
// Connecting to the Northbound or Southbound database from the options.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "fastovsdb/core/session.hpp"
#include "fastovsdb/net/sync_client.hpp"

namespace fastovsdb::cli {

enum class Db { nb, sb };

std::string_view database_name(Db db) noexcept;
// "OVN_Northbound" -> nb, "OVN_Southbound" -> sb; usage failure otherwise.
Db db_from_name(std::string_view name);
const std::string& remotes_of(const Options& options, Db db);

// What to replicate; `replicate` false for a writer that only transacts.
struct Replication {
  bool replicate = true;
  std::vector<MonitoredTable> monitor;
  std::vector<ReplicaOptions::ExtraIndex> extra_indexes;
};

net::ClientOptions client_options(const Options& options, Db db, Replication replication);

// Connects (and, when replicating, waits for the replica to be complete)
// within options.timeout; Failure "cannot connect to REMOTES: why" otherwise.
std::unique_ptr<net::SyncClient> connect(const Options& options, Db db, Replication replication);

// What the OVN library needs replicated from NB or SB (ovn::configure_*_session).
Replication ovn_replication(Db db);

}  // namespace fastovsdb::cli
