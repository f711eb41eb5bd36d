#include "fastovsdb/core/replica_table.hpp"

#include <algorithm>
#include <bit>
#include <new>
#include <string>

namespace fastovsdb {
namespace detail {

void RowDeleter::operator()(Row* row) const noexcept {
  if (row) RowAccess::destroy(row);
}

void RowAccess::destroy(Row* row) noexcept {
  Datum* cols = row->data();
  for (size_t i = 0, n = row->column_count(); i < n; ++i) cols[i].~Datum();
  row->~Row();
  ::operator delete(static_cast<void*>(row));
}

RowPtr RowAccess::make(const Uuid& uuid, size_t column_count) {
  void* mem = ::operator new(allocation_size(column_count));
  Row* row = new (mem) Row(uuid, static_cast<uint32_t>(column_count));
  Datum* cols = row->data();
  for (size_t i = 0; i < column_count; ++i) new (cols + i) Datum();
  return RowPtr(row);
}

size_t RowSlots::home(const Uuid& uuid) const noexcept {
  // The high bits of a Fibonacci product, not the hash's low bits:
  // std::hash<Uuid> assumes random uuids, and uuids that differ only in their
  // last bytes (sequential ones, hand-made or chosen by a peer) share those
  // low bits, which piled every row into one probe run (quadratic apply).
  const uint64_t h = std::hash<Uuid>{}(uuid) * 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(h >> (64 - std::countr_zero(slots_.size())));
}

Row* RowSlots::find(const Uuid& uuid) const noexcept {
  if (size_ == 0) return nullptr;
  const size_t mask = slots_.size() - 1;
  for (size_t i = home(uuid);; i = (i + 1) & mask) {
    Row* r = slots_[i];
    if (r == nullptr) return nullptr;
    if (r->uuid() == uuid) return r;
  }
}

void RowSlots::reserve(size_t n) {
  // Load factor at most 3/4.
  size_t want = std::bit_ceil(std::max<size_t>(16, n + n / 3 + 1));
  if (want <= slots_.size()) return;
  std::vector<Row*> old(want, nullptr);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (Row* r : old) {
    if (!r) continue;
    size_t i = home(r->uuid());
    while (slots_[i]) i = (i + 1) & mask;
    slots_[i] = r;
  }
}

void RowSlots::insert(Row* row) {
  if ((size_ + 1) * 4 > slots_.size() * 3) reserve(size_ + 1);
  const size_t mask = slots_.size() - 1;
  size_t i = home(row->uuid());
  while (slots_[i]) i = (i + 1) & mask;
  slots_[i] = row;
  ++size_;
}

bool RowSlots::erase(const Uuid& uuid) noexcept {
  if (size_ == 0) return false;
  const size_t mask = slots_.size() - 1;
  size_t i = home(uuid);
  for (;; i = (i + 1) & mask) {
    if (slots_[i] == nullptr) return false;
    if (slots_[i]->uuid() == uuid) break;
  }
  // Backward shift: move later members of the probe run into the hole when
  // their home position allows it, so lookups never need tombstones.
  slots_[i] = nullptr;
  for (size_t j = (i + 1) & mask; slots_[j] != nullptr; j = (j + 1) & mask) {
    size_t k = home(slots_[j]->uuid());
    // Whether k lies cyclically in (i, j]: if so the entry stays.
    bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      slots_[i] = slots_[j];
      slots_[j] = nullptr;
      i = j;
    }
  }
  --size_;
  return true;
}

void RowSlots::clear() noexcept {
  std::vector<Row*>().swap(slots_);
  size_ = 0;
}

}  // namespace detail

// ---- ColumnSet ----

void ColumnSet::insert(size_t column) {
  if (column < 64) {
    low_ |= uint64_t{1} << column;
    return;
  }
  size_t word = column / 64 - 1;
  if (high_.size() <= word) high_.resize(word + 1, 0);
  high_[word] |= uint64_t{1} << (column % 64);
}

bool ColumnSet::contains(size_t column) const noexcept {
  if (column < 64) return (low_ >> column) & 1;
  size_t word = column / 64 - 1;
  return word < high_.size() && ((high_[word] >> (column % 64)) & 1);
}

bool ColumnSet::empty() const noexcept {
  return low_ == 0 && std::all_of(high_.begin(), high_.end(), [](uint64_t w) { return w == 0; });
}

size_t ColumnSet::count() const noexcept {
  size_t n = static_cast<size_t>(std::popcount(low_));
  for (uint64_t w : high_) n += static_cast<size_t>(std::popcount(w));
  return n;
}

bool ColumnSet::intersects(std::span<const size_t> columns) const noexcept {
  return std::any_of(columns.begin(), columns.end(), [&](size_t c) { return contains(c); });
}

std::vector<size_t> ColumnSet::to_vector() const {
  std::vector<size_t> out;
  for (size_t c = 0; c < 64; ++c)
    if (contains(c)) out.push_back(c);
  for (size_t w = 0; w < high_.size(); ++w)
    for (size_t b = 0; b < 64; ++b)
      if ((high_[w] >> b) & 1) out.push_back((w + 1) * 64 + b);
  return out;
}

// ---- TableIndex ----

namespace {

uint64_t mix(uint64_t h) noexcept {
  // splitmix64 finalizer: spreads small integers and pointer-like words.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// By content, never by blob address: a key a caller builds is not interned in
// this replica, yet must find the row.
uint64_t hash_atom(const AtomView& a) noexcept {
  switch (a.type()) {
    case AtomicType::integer:
    case AtomicType::boolean:
      return mix(a.word());
    case AtomicType::real: {
      double v = a.real();
      if (v == 0) v = 0;  // -0.0 equals 0.0
      return mix(std::bit_cast<uint64_t>(v));
    }
    case AtomicType::string:
    case AtomicType::uuid:
      return std::hash<std::string_view>{}(detail::blob_of(a.word())->view());
  }
  return 0;
}

uint64_t hash_datum(const Datum& d) noexcept {
  uint64_t h = mix(d.size() + 1);
  for (size_t i = 0; i < d.size(); ++i) {
    h = mix(h ^ hash_atom(d.key(i)));
    if (d.is_map()) h = mix(h ^ hash_atom(d.value(i)));
  }
  return h;
}

uint64_t combine(uint64_t seed, uint64_t h) noexcept { return mix(seed * 31 + h); }

// What hash_datum gives a one-element string set holding `s`.
uint64_t hash_single_string(std::string_view s) noexcept {
  return mix(mix(2) ^ std::hash<std::string_view>{}(s));
}

}  // namespace

TableIndex::TableIndex(std::vector<size_t> columns, bool unique)
    : columns_(std::move(columns)), unique_(unique), groups_(16, Hash{this}, Equal{this}) {}

size_t TableIndex::Hash::operator()(const Row* row) const noexcept {
  uint64_t h = 0;
  for (size_t c : index->columns_) h = combine(h, hash_datum((*row)[c]));
  return static_cast<size_t>(h);
}

size_t TableIndex::Hash::operator()(const DatumsKey& key) const noexcept {
  uint64_t h = 0;
  for (const Datum& d : key.datums) h = combine(h, hash_datum(d));
  return static_cast<size_t>(h);
}

size_t TableIndex::Hash::operator()(const StringKey& key) const noexcept {
  return static_cast<size_t>(combine(0, hash_single_string(key.text)));
}

bool TableIndex::Equal::same_key(const Row* a, const Row* b) const noexcept {
  if (a == b) return true;
  for (size_t c : index->columns_)
    if (!((*a)[c] == (*b)[c])) return false;
  return true;
}

bool TableIndex::Equal::operator()(const DatumsKey& k, const Group& g) const noexcept {
  if (k.datums.size() != index->columns_.size()) return false;
  const Row* r = g.head();
  for (size_t i = 0; i < k.datums.size(); ++i)
    if (!(k.datums[i] == (*r)[index->columns_[i]])) return false;
  return true;
}

bool TableIndex::Equal::operator()(const StringKey& k, const Group& g) const noexcept {
  if (index->columns_.size() != 1) return false;
  const Datum& d = (*g.head())[index->columns_[0]];
  return d.size() == 1 && !d.is_map() && d.key_type() == AtomicType::string &&
         d.key(0).string() == k.text;
}

void TableIndex::Many::add(const Row* row) {
  rows.push_back(row);
  if (!slot.empty()) {
    slot.emplace(row, rows.size() - 1);
  } else if (rows.size() > kScanLimit) {
    slot.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) slot.emplace(rows[i], i);
  }
}

bool TableIndex::Many::remove(const Row* row) noexcept {
  size_t i;
  if (!slot.empty()) {
    auto it = slot.find(row);
    if (it == slot.end()) return false;
    i = it->second;
    slot.erase(it);
  } else {
    auto it = std::find(rows.begin(), rows.end(), row);
    if (it == rows.end()) return false;
    i = static_cast<size_t>(it - rows.begin());
  }
  if (i + 1 != rows.size()) {
    rows[i] = rows.back();
    if (!slot.empty()) slot.find(rows[i])->second = i;
  }
  rows.pop_back();
  // Hysteresis: a set hovering around the limit does not rebuild the map on every change.
  if (!slot.empty() && rows.size() <= kScanLimit / 2) std::unordered_map<const Row*, size_t>().swap(slot);
  return true;
}

bool TableIndex::Many::contains(const Row* row) const noexcept {
  if (!slot.empty()) {
    auto it = slot.find(row);
    return it != slot.end() && it->second < rows.size() && rows[it->second] == row;
  }
  return std::find(rows.begin(), rows.end(), row) != rows.end();
}

const Row* TableIndex::find(std::span<const Datum> key) const {
  if (key.size() != columns_.size()) return nullptr;
  auto it = groups_.find(DatumsKey{key});
  return it == groups_.end() ? nullptr : it->head();
}

const Row* TableIndex::find(std::string_view key) const {
  auto it = groups_.find(StringKey{key});
  return it == groups_.end() ? nullptr : it->head();
}

namespace {

template <class Group>
std::vector<const Row*> rows_of(const Group& g) {
  if (g.many) return g.many->rows;
  return {g.one};
}

}  // namespace

std::vector<const Row*> TableIndex::find_all(std::span<const Datum> key) const {
  if (key.size() != columns_.size()) return {};
  auto it = groups_.find(DatumsKey{key});
  return it == groups_.end() ? std::vector<const Row*>{} : rows_of(*it);
}

std::vector<const Row*> TableIndex::find_all(std::string_view key) const {
  auto it = groups_.find(StringKey{key});
  return it == groups_.end() ? std::vector<const Row*>{} : rows_of(*it);
}

void TableIndex::insert(const Row* row) {
  auto it = groups_.find(row);
  if (it == groups_.end()) {
    groups_.emplace(row);
  } else if (it->many) {
    it->many->add(row);
  } else {
    auto many = std::make_unique<Many>();
    many->rows = {it->one, row};
    it->many = std::move(many);
    it->one = nullptr;
  }
  ++size_;
}

void TableIndex::erase(const Row* row) noexcept {
  auto it = groups_.find(row);
  if (it == groups_.end()) return;
  if (!it->many) {
    if (it->one != row) return;
    groups_.erase(it);
    --size_;
    return;
  }
  if (!it->many->remove(row)) return;
  --size_;
  if (it->many->rows.size() == 1) {
    it->one = it->many->rows.front();
    it->many.reset();
  }
}

bool TableIndex::contains_exact(const Row* row) const {
  auto it = groups_.find(row);
  if (it == groups_.end()) return false;
  return it->many ? it->many->contains(row) : it->one == row;
}

size_t TableIndex::memory_usage() const noexcept {
  // A group node holds the next pointer, the inline row and the Many pointer.
  size_t bytes = sizeof(*this) + groups_.bucket_count() * sizeof(void*) + groups_.size() * 32;
  for (const Group& g : groups_) {
    if (!g.many) continue;
    // A map node holds the next pointer and the (row, position) pair.
    bytes += sizeof(Many) + g.many->rows.capacity() * sizeof(const Row*) +
             g.many->slot.bucket_count() * sizeof(void*) + g.many->slot.size() * 32;
  }
  return bytes;
}

// ---- ReplicaTable ----

ReplicaTable::ReplicaTable(const TableSchema& schema,
                           std::vector<std::unique_ptr<TableIndex>> indexes)
    : schema_(&schema), indexes_(std::move(indexes)) {
  defaults_.reserve(schema.columns.size());
  for (const auto& c : schema.columns) defaults_.push_back(c.type.default_datum());
}

ReplicaTable::~ReplicaTable() { clear(); }

const TableIndex* ReplicaTable::index(std::span<const std::string_view> columns) const {
  std::vector<size_t> wanted;
  for (auto name : columns) {
    auto c = schema_->column_index(name);
    if (!c) return nullptr;
    wanted.push_back(*c);
  }
  for (const auto& idx : indexes_)
    if (std::equal(wanted.begin(), wanted.end(), idx->columns().begin(), idx->columns().end()))
      return idx.get();
  return nullptr;
}

Row* ReplicaTable::insert_row(RowPtr row) {
  Row* r = row.release();
  rows_.insert(r);
  for (auto& idx : indexes_) idx->insert(r);
  return r;
}

RowPtr ReplicaTable::remove_row(Row* row) noexcept {
  for (auto& idx : indexes_) idx->erase(row);
  rows_.erase(row->uuid());
  return RowPtr(row);
}

void ReplicaTable::unindex(const Row* row, const ColumnSet& changed) noexcept {
  for (auto& idx : indexes_)
    if (changed.intersects(idx->columns())) idx->erase(row);
}

void ReplicaTable::reindex(const Row* row, const ColumnSet& changed) {
  for (auto& idx : indexes_)
    if (changed.intersects(idx->columns())) idx->insert(row);
}

void ReplicaTable::clear() noexcept {
  for (auto& idx : indexes_) idx->clear();
  for (Row* r : rows_.slots())
    if (r) detail::RowDeleter{}(r);
  rows_.clear();
}

Result<void> ReplicaTable::check_consistency() const {
  std::string where = "table " + std::string(name()) + ": ";
  size_t counted = 0;
  for (const Row& row : *this) {
    ++counted;
    if (rows_.find(row.uuid()) != &row)
      return Error(Errc::inconsistent_update,
                   where + "row " + row.uuid().to_string() + " is not found by its own uuid");
    if (row.column_count() != schema_->columns.size())
      return Error(Errc::inconsistent_update,
                   where + "row " + row.uuid().to_string() + " has the wrong column count");
  }
  if (counted != rows_.size())
    return Error(Errc::inconsistent_update, where + "row count disagrees with the uuid table");
  for (const auto& idx : indexes_) {
    // Rebuilding an index from the rows must give the same multiset of
    // (key, row) pairs: same size, every row present under its own key.
    if (idx->size() != rows_.size())
      return Error(Errc::inconsistent_update, where + "index holds " + std::to_string(idx->size()) +
                                                  " entries for " + std::to_string(rows_.size()) +
                                                  " rows");
    for (const Row& row : *this)
      if (!idx->contains_exact(&row))
        return Error(Errc::inconsistent_update, where + "row " + row.uuid().to_string() +
                                                    " is missing from an index under its key");
    bool stale = false;
    idx->for_each_entry([&](const Row* entry) { stale = stale || rows_.find(entry->uuid()) != entry; });
    if (stale) return Error(Errc::inconsistent_update, where + "index entry points at a row that is gone");
  }
  return {};
}

size_t ReplicaTable::memory_usage() const noexcept {
  size_t bytes = sizeof(*this) + rows_.capacity() * sizeof(Row*);
  for (const Row& row : *this) {
    bytes += detail::RowAccess::allocation_size(row.column_count());
    for (const Datum& d : row.columns()) bytes += d.heap_bytes();
  }
  for (const auto& idx : indexes_) bytes += idx->memory_usage();
  return bytes;
}

}  // namespace fastovsdb
