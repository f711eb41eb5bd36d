#include "fastovsdb/core/datum.hpp"

#include <gtest/gtest.h>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/interner.hpp"

namespace fastovsdb {
namespace {

Datum strings(std::initializer_list<const char*> items) {
  std::vector<Atom> atoms;
  for (const char* s : items) atoms.push_back(Atom::string(s));
  return *Datum::set(AtomicType::string, atoms);
}

Datum string_map(std::initializer_list<std::pair<const char*, const char*>> items) {
  std::vector<std::pair<Atom, Atom>> pairs;
  for (auto [k, v] : items) pairs.emplace_back(Atom::string(k), Atom::string(v));
  return *Datum::map(AtomicType::string, AtomicType::string, pairs);
}

Uuid uuid_n(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "00000000-0000-0000-0000-%012d", n);
  return *Uuid::parse(text);
}

TEST(Datum, StaysSixteenBytesAndInlinesScalars) {
  EXPECT_EQ(sizeof(Datum), 16u);
  EXPECT_EQ(Datum::scalar(Atom::integer(5)).heap_bytes(), 0u);
  EXPECT_EQ(Datum().heap_bytes(), 0u);
  EXPECT_EQ(strings({"a", "b"}).heap_bytes(), 2 * sizeof(uint64_t));
  EXPECT_EQ(string_map({{"a", "b"}}).heap_bytes(), 2 * sizeof(uint64_t));
}

TEST(Datum, SortsAndFindsKeys) {
  auto d = strings({"c", "a", "b"});
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.key(0).string(), "a");
  EXPECT_EQ(d.key(2).string(), "c");
  auto probe = strings({"b"});
  EXPECT_EQ(d.find(probe.key(0)), 1u);
  auto absent = strings({"z"});
  EXPECT_FALSE(d.contains(absent.key(0)));

  auto ints = *Datum::set(AtomicType::integer,
                          {Atom::integer(3), Atom::integer(-7), Atom::integer(INT64_MAX)});
  EXPECT_EQ(ints.key(0).integer(), -7);
  EXPECT_EQ(ints.key(2).integer(), INT64_MAX);

  auto uuids = *Datum::set(AtomicType::uuid, {Atom::uuid(uuid_n(2)), Atom::uuid(uuid_n(1))});
  EXPECT_EQ(uuids.key(0).uuid(), uuid_n(1));
}

TEST(Datum, RejectsDuplicatesAndWrongTypes) {
  auto dup = Datum::set(AtomicType::string, {Atom::string("a"), Atom::string("a")});
  ASSERT_FALSE(dup);
  EXPECT_TRUE(dup.error().is(Errc::duplicate_key));
  EXPECT_EQ(dup.error().detail, "duplicate set element a");
  auto dup_map = Datum::map(AtomicType::integer, AtomicType::string,
                            {{Atom::integer(2), Atom::string("x")}, {Atom::integer(1), Atom::string("y")},
                             {Atom::integer(2), Atom::string("z")}});
  ASSERT_FALSE(dup_map);
  EXPECT_EQ(dup_map.error().detail, "duplicate map key 2");
  auto wrong = Datum::set(AtomicType::integer, {Atom::string("a")});
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().is(Errc::wrong_type));
}

TEST(Datum, EqualityComparesShapeAndContents) {
  EXPECT_EQ(strings({"a", "b"}), strings({"b", "a"}));
  EXPECT_NE(strings({"a"}), strings({"a", "b"}));
  EXPECT_NE(string_map({{"a", "1"}}), string_map({{"a", "2"}}));
  EXPECT_NE(strings({"a"}), Datum::scalar(Atom::integer(1)));
  EXPECT_EQ(Datum::empty_set(AtomicType::string), Datum::empty_set(AtomicType::integer));
  EXPECT_NE(Datum::empty_set(AtomicType::string),
            Datum::empty_map(AtomicType::string, AtomicType::string));
}

TEST(Datum, CopyAndMoveKeepReferenceCountsRight) {
  // ASan and LSan check the counts: a double release or a leak fails the run.
  Datum a = strings({"x", "y", "z"});
  Datum b = a;  // copy shares blobs
  EXPECT_EQ(a.key(0).word(), b.key(0).word());
  Datum c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(c, a);
  Datum d = Datum::scalar(Atom::string("solo"));
  d = a;  // copy-assign over an inline scalar
  EXPECT_EQ(d, a);
  const Datum& alias = d;
  d = alias;  // self-assignment keeps the value
  EXPECT_EQ(d, a);
  Datum e = string_map({{"k", "v"}});
  e = std::move(c);
  EXPECT_EQ(e, a);
  a = Datum();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(e.key(0).string(), "x");
  std::vector<Datum> many(100, e);
  many.resize(1000);
  EXPECT_EQ(many[99], e);
}

TEST(Datum, ApplyDiffOnSetsIsSymmetricDifference) {
  auto base = strings({"a", "b", "c"});
  auto r = base.apply_diff(strings({"b", "d"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, strings({"a", "c", "d"}));
  EXPECT_EQ(*base.apply_diff(Datum::empty_set(AtomicType::string)), base);
  EXPECT_EQ(*Datum::empty_set(AtomicType::string).apply_diff(strings({"x"})), strings({"x"}));
  EXPECT_TRUE(base.apply_diff(base)->empty());
  // A scalar column's diff carries old and new values.
  auto scalar = Datum::scalar(Atom::integer(1));
  auto diff = *Datum::set(AtomicType::integer, {Atom::integer(1), Atom::integer(2)});
  EXPECT_EQ(*scalar.apply_diff(diff), Datum::scalar(Atom::integer(2)));
}

TEST(Datum, ApplyDiffOnMapsRemovesReplacesAndAdds) {
  auto base = string_map({{"keep", "1"}, {"drop", "2"}, {"change", "3"}});
  // Same value removes, a different value replaces, a new key adds.
  auto diff = string_map({{"drop", "2"}, {"change", "33"}, {"new", "4"}});
  auto r = base.apply_diff(diff);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, string_map({{"keep", "1"}, {"change", "33"}, {"new", "4"}}));
}

TEST(Datum, ApplyDiffRejectsMismatchedTypes) {
  auto r = strings({"a"}).apply_diff(Datum::scalar(Atom::integer(1)));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::wrong_type));
  EXPECT_FALSE(strings({"a"}).apply_diff(string_map({{"a", "b"}})));
}

TEST(Datum, DiffThenApplyGivesTheTarget) {
  const std::vector<std::pair<Datum, Datum>> cases = {
      {strings({"a", "b", "c"}), strings({"b", "c", "d", "e"})},
      {strings({}), strings({"x"})},
      {strings({"x"}), Datum::empty_set(AtomicType::string)},
      {strings({"a", "b"}), strings({"a", "b"})},
      {string_map({{"a", "1"}, {"b", "2"}, {"c", "3"}}), string_map({{"b", "2"}, {"c", "4"}, {"d", "5"}})},
      {string_map({}), string_map({{"k", "v"}})},
      {string_map({{"k", "v"}}), Datum::empty_map(AtomicType::string, AtomicType::string)},
      {Datum::scalar(Atom::integer(1)), Datum::scalar(Atom::integer(2))},
  };
  for (const auto& [from, to] : cases) {
    Datum d = Datum::diff(from, to);
    auto applied = from.apply_diff(d);
    ASSERT_TRUE(applied) << applied.error().message();
    EXPECT_EQ(*applied, to) << datum_to_json_string(from) << " -> " << datum_to_json_string(to)
                            << " via " << datum_to_json_string(d);
  }
  // No change, no diff.
  EXPECT_TRUE(Datum::diff(strings({"a"}), strings({"a"})).empty());
}

TEST(Interner, SameStringSameBlobAndSweepFreesUnreferenced) {
  Interner interner;
  DatumBuilder b1(AtomicType::string, std::nullopt, &interner);
  b1.push_string("shared");
  b1.push_string("only-one");
  auto d1 = b1.finish();
  DatumBuilder b2(AtomicType::string, std::nullopt, &interner);
  b2.push_string("shared");
  auto d2 = b2.finish();
  ASSERT_TRUE(d1 && d2);
  EXPECT_EQ(interner.size(), 2u);
  auto shared1 = d1->find(d2->key(0));
  ASSERT_TRUE(shared1);
  EXPECT_EQ(d1->key(*shared1).word(), d2->key(0).word());

  DatumBuilder bu(AtomicType::uuid, std::nullopt, &interner);
  bu.push_uuid(uuid_n(7));
  auto du = bu.finish();
  DatumBuilder bu2(AtomicType::uuid, std::nullopt, &interner);
  bu2.push_uuid(uuid_n(7));
  auto du2 = bu2.finish();
  EXPECT_EQ(du->key(0).word(), du2->key(0).word());
  EXPECT_EQ(interner.size(), 3u);

  d1 = Datum();
  interner.sweep();
  EXPECT_EQ(interner.size(), 2u);  // "only-one" is gone, "shared" is still held by d2
  EXPECT_EQ(d2->key(0).string(), "shared");
  d2 = Datum();
  du = Datum();
  du2 = Datum();
  interner.sweep();
  EXPECT_EQ(interner.size(), 0u);
}

TEST(Interner, SweepsByItselfUnderChurn) {
  Interner interner;
  for (int i = 0; i < 10000; ++i) {
    DatumBuilder b(AtomicType::string, std::nullopt, &interner);
    b.push_string("row-" + std::to_string(i));
    auto d = b.finish();
    ASSERT_TRUE(d);
  }
  // Every datum died at once, so the table never grows past its sweep mark.
  EXPECT_LE(interner.size(), 2048u);
}

TEST(DatumBuilder, ReleasesOnFailureAndOnDestruction) {
  {
    DatumBuilder b(AtomicType::string, std::nullopt);
    b.push_string("never finished");
  }
  DatumBuilder b(AtomicType::string, AtomicType::string);
  b.push_string("key");  // a key without a value
  auto r = b.finish();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::invalid_argument));
}

TEST(Datum, AtomViewsOrderWithinAType) {
  auto reals = *Datum::set(AtomicType::real, {Atom::real(2.5), Atom::real(-1.0), Atom::real(0.0)});
  EXPECT_EQ(reals.key(0).real(), -1.0);
  auto bools = *Datum::set(AtomicType::boolean, {Atom::boolean(true), Atom::boolean(false)});
  EXPECT_FALSE(bools.key(0).boolean());
  EXPECT_EQ(bools.key(1).to_atom(), Atom::boolean(true));
  EXPECT_EQ(atom_to_display(reals.key(2)), "2.5");
}

}  // namespace
}  // namespace fastovsdb
