#include "fastovsdb/core/remote.hpp"

#include <gtest/gtest.h>

namespace fastovsdb {
namespace {

TEST(Remote, ParsesEachKind) {
  auto u = parse_remote("unix:/var/run/ovn/ovnnb_db.sock");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->kind, Remote::Kind::unix_socket);
  EXPECT_EQ(u->path, "/var/run/ovn/ovnnb_db.sock");
  EXPECT_EQ(u->text, "unix:/var/run/ovn/ovnnb_db.sock");

  auto t = parse_remote("tcp:192.0.2.1:6641");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, Remote::Kind::tcp);
  EXPECT_EQ(t->host, "192.0.2.1");
  EXPECT_EQ(t->port, 6641);

  auto s = parse_remote("ssl:[fe80::1%eth0]:6642");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, Remote::Kind::ssl);
  EXPECT_EQ(s->host, "fe80::1%eth0");
  EXPECT_EQ(s->port, 6642);

  auto h = parse_remote("tcp:ovn-central-0.example.com:6641");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "ovn-central-0.example.com");
}

void expect_error(std::string_view text, std::string_view fragment) {
  auto r = parse_remote(text);
  ASSERT_FALSE(r) << text;
  EXPECT_TRUE(r.error().is(Errc::invalid_remote));
  EXPECT_NE(r.error().detail.find(fragment), std::string::npos) << r.error().detail;
}

TEST(Remote, RejectsWithWhatAndWhere) {
  expect_error("tcp:1.2.3.4", "missing ':PORT'");
  expect_error("tcp:1.2.3.4:", "empty port");
  expect_error("tcp:1.2.3.4:66x", "at character 14: the port must be a decimal number");
  expect_error("tcp:1.2.3.4:70000", "1..65535");
  expect_error("tcp:1.2.3.4:0", "1..65535");
  expect_error("tcp::::1:6641", "brackets");
  expect_error("tcp:[::1:6641", "closing ']'");
  expect_error("tcp:[::1]6641", "expected ':PORT'");
  expect_error("tcp:[1.2.3.4]:6641", "must be IPv6");
  expect_error("tcp::6641", "empty host");
  expect_error("tcp:bad host:1", "at character 7: character not allowed");
  expect_error("ptcp:6641", "passive");
  expect_error("http://x", "unknown connection method");
  expect_error("localhost", "expected unix:PATH");
  expect_error("unix:", "empty socket path");
}

TEST(Remote, ParsesClusterLists) {
  auto list = parse_remotes("tcp:10.0.0.1:6641, tcp:[::1]:6641 ,unix:/tmp/nb.sock");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].host, "10.0.0.1");
  EXPECT_EQ((*list)[1].host, "::1");
  EXPECT_EQ((*list)[1].text, "tcp:[::1]:6641");
  EXPECT_EQ((*list)[2].path, "/tmp/nb.sock");
}

TEST(Remote, ListErrorsNameTheEntry) {
  auto empty = parse_remotes("tcp:10.0.0.1:6641,,unix:/x");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().detail.find("entry 1 at character 18 is empty"), std::string::npos)
      << empty.error().detail;
  auto bad = parse_remotes("tcp:10.0.0.1:6641,tcp:10.0.0.2");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("entry 1 (character 18"), std::string::npos)
      << bad.error().detail;
  EXPECT_FALSE(parse_remotes(""));
}

}  // namespace
}  // namespace fastovsdb
