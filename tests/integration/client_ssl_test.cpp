// The client over TLS to a real ovsdb-server (pssl:), with the files of
// ovn-nbctl -p/-c/-C: the right CA connects, a wrong CA is refused with an
// error naming the remote and the verification failure.
#include <gtest/gtest.h>

#include "client_test_util.hpp"
#include "pki.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;

net::TlsFiles to_net(const TlsFiles& f) {
  return {f.private_key.string(), f.certificate.string(), f.ca_cert.string()};
}

class ClientSslTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_ovsdb_server() || !have_openssl()) GTEST_SKIP() << "no ovsdb-server or openssl";
    pki_ = std::make_unique<Pki>();
    OvsdbServerOptions options;
    options.tls = pki_->server_files();
    server_ = std::make_unique<OvsdbServer>(std::vector<std::filesystem::path>{nb_schema_path}, options);
  }
  std::unique_ptr<Pki> pki_;
  std::unique_ptr<OvsdbServer> server_;
};

TEST_F(ClientSslTest, VerifiedServerWorks) {
  auto options = nb_client_options(server_->ssl_remote(), true);
  options.tls = to_net(pki_->client_files());
  auto c = net::SyncClient::connect(server_->ssl_remote(), options, 20s);
  ASSERT_TRUE(c.has_value()) << c.error().message();
  ASSERT_TRUE((*c)->wait_synced(20s).has_value());
  auto r = (*c)->transact(insert_group("over-tls"));
  ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_EQ((*c)->dump(), dump_with_ovsdb_client(server_->unix_remote(), {"HA_Chassis", "HA_Chassis_Group"}));
}

TEST_F(ClientSslTest, ServerFromAnotherCaIsRefused) {
  auto options = nb_client_options(server_->ssl_remote(), false);
  options.tls = to_net(pki_->client_files_trusting_other_ca());
  auto c = net::SyncClient::connect(server_->ssl_remote(), options, 1500ms);
  ASSERT_FALSE(c.has_value());
  // The connect timed out, and says why: the certificate did not verify.
  const Error& e = c.error();
  EXPECT_NE(e.detail.find(server_->ssl_remote()), std::string::npos) << e.message();
  EXPECT_NE(e.detail.find("verification failed"), std::string::npos) << e.message();
}

TEST_F(ClientSslTest, MissingTlsFilesFailAtCreate) {
  auto options = nb_client_options(server_->ssl_remote(), false);
  auto c = net::SyncClient::connect(server_->ssl_remote(), options, 1s);
  ASSERT_FALSE(c.has_value());
  EXPECT_TRUE(c.error().code == net::Errc::tls_setup_failed) << c.error().message();
}

}  // namespace
}  // namespace fastovsdb::test
