#include "connection.hpp"

#include "failure.hpp"
#include "fastovsdb/ovn/ha_manager.hpp"

namespace fastovsdb::cli {

std::string_view database_name(Db db) noexcept { return db == Db::nb ? "OVN_Northbound" : "OVN_Southbound"; }

Db db_from_name(std::string_view name) {
  if (name == "OVN_Northbound") return Db::nb;
  if (name == "OVN_Southbound") return Db::sb;
  usage_fail("DB must be OVN_Northbound or OVN_Southbound, not '" + std::string(name) + "'");
}

const std::string& remotes_of(const Options& options, Db db) { return db == Db::nb ? options.nb : options.sb; }

net::ClientOptions client_options(const Options& options, Db db, Replication replication) {
  net::ClientOptions o;
  o.session.database = DatabaseName(database_name(db));
  o.session.replicate = replication.replicate;
  o.session.monitor = std::move(replication.monitor);
  o.session.extra_indexes = std::move(replication.extra_indexes);
  // Writers need the leader; the session walks a cluster list to find it.
  o.session.leader_only = true;
  // A command is short-lived: retry quickly within its timeout.
  o.session.reconnect.min_backoff = std::chrono::milliseconds(100);
  o.session.reconnect.max_backoff = std::chrono::milliseconds(1000);
  o.tls.private_key = options.private_key;
  o.tls.certificate = options.certificate;
  o.tls.ca_certificate = options.ca_cert;
  return o;
}

Replication ovn_replication(Db db) {
  SessionOptions session;
  if (db == Db::nb) {
    ovn::configure_nb_session(session);
  } else {
    ovn::configure_sb_session(session);
  }
  return Replication{.replicate = true, .monitor = std::move(session.monitor),
                     .extra_indexes = std::move(session.extra_indexes)};
}

namespace {

// The most telling part of a connect error: the last failure when the
// connect timed out, else the whole detail; without the remote's name when
// there is only one (the message names it already).
std::string connect_reason(const Error& e, const std::string& remotes) {
  constexpr std::string_view marker = "last failure: ";
  std::string why = reason(e);
  if (auto at = why.find(marker); at != std::string::npos) why = why.substr(at + marker.size());
  for (std::string_view prefix : {std::string_view("cannot connect: "), std::string_view(remotes)}) {
    if (why.starts_with(prefix) && why.size() > prefix.size() + 2 && why.compare(prefix.size(), 2, ": ") == 0)
      why = why.substr(prefix.size() + 2);
    else if (why.starts_with(prefix))
      why = why.substr(prefix.size());
  }
  return why;
}

}  // namespace

std::unique_ptr<net::SyncClient> connect(const Options& options, Db db, Replication replication) {
  // parse_args has checked the remotes already.
  const std::string& remotes = remotes_of(options, db);
  bool replicate = replication.replicate;
  auto client = net::SyncClient::connect(remotes, client_options(options, db, std::move(replication)),
                                         options.timeout, net::SyncClient::Unreachable::give_up);
  if (!client) fail("cannot connect to " + remotes + ": " + connect_reason(client.error(), remotes));
  (*client)->set_timeout(options.timeout);
  if (replicate) {
    if (auto synced = (*client)->wait_synced(options.timeout); !synced)
      fail("cannot read " + std::string(database_name(db)) + " from " + remotes + ": " + reason(synced.error()));
  }
  return std::move(*client);
}

}  // namespace fastovsdb::cli
