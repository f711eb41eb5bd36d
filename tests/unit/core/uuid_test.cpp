#include "fastovsdb/core/uuid.hpp"

#include <gtest/gtest.h>

namespace fastovsdb {
namespace {

TEST(Uuid, ParsesCanonicalTextAndPrintsLowercase) {
  auto u = Uuid::parse("550E8400-e29b-41d4-A716-446655440000");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->to_string(), "550e8400-e29b-41d4-a716-446655440000");
  EXPECT_EQ(u->bytes()[0], 0x55);
  EXPECT_EQ(u->bytes()[15], 0x00);
}

TEST(Uuid, RejectsWrongShapes) {
  EXPECT_FALSE(Uuid::parse(""));
  EXPECT_FALSE(Uuid::parse("550e8400e29b41d4a716446655440000"));
  EXPECT_FALSE(Uuid::parse("550e8400-e29b-41d4-a716-44665544000g"));
  EXPECT_FALSE(Uuid::parse("550e8400-e29b-41d4-a716-4466554400000"));
  EXPECT_FALSE(Uuid::parse("550e8400+e29b-41d4-a716-446655440000"));
  EXPECT_FALSE(Uuid::parse("chassis-1"));
}

TEST(Uuid, OrdersAndHashesByValue) {
  auto a = *Uuid::parse("00000000-0000-0000-0000-000000000001");
  auto b = *Uuid::parse("00000000-0000-0000-0000-000000000002");
  EXPECT_LT(a, b);
  EXPECT_EQ(a, *Uuid::parse("00000000-0000-0000-0000-000000000001"));
  EXPECT_NE(std::hash<Uuid>{}(a), std::hash<Uuid>{}(b));
}

}  // namespace
}  // namespace fastovsdb
