#pragma once
// One table of a Replica: its rows, keyed by Uuid, and its secondary indexes.
//
// A Row is one allocation: the Uuid header followed by one Datum per schema
// column (columns that are not monitored keep their default datum). A row
// never moves while it is in the table, so indexes, callers and change events
// may hold `const Row*`. Only the Replica mutates a table.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fastovsdb/core/datum.hpp"
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/uuid.hpp"

namespace fastovsdb {

class Replica;
class ReplicaTable;
namespace detail {
struct RowAccess;
}

class alignas(alignof(Datum)) Row {
 public:
  Row(const Row&) = delete;
  Row& operator=(const Row&) = delete;

  const Uuid& uuid() const noexcept { return uuid_; }
  size_t column_count() const noexcept { return column_count_; }
  // `column` is a schema column index (TableSchema::column_index()).
  const Datum& operator[](size_t column) const noexcept { return data()[column]; }
  std::span<const Datum> columns() const noexcept { return {data(), column_count_}; }

 private:
  friend struct detail::RowAccess;
  Row(const Uuid& uuid, uint32_t column_count) noexcept
      : uuid_(uuid), column_count_(column_count) {}
  ~Row() = default;
  Datum* data() noexcept { return reinterpret_cast<Datum*>(this + 1); }
  const Datum* data() const noexcept { return reinterpret_cast<const Datum*>(this + 1); }

  Uuid uuid_;
  uint32_t column_count_;
};

static_assert(sizeof(Row) % alignof(Datum) == 0, "the datums follow the header");

namespace detail {

struct RowDeleter {
  void operator()(Row* row) const noexcept;
};

}  // namespace detail

using RowPtr = std::unique_ptr<Row, detail::RowDeleter>;

namespace detail {

// The replica's private access to row internals.
struct RowAccess {
  // Every column holds an empty datum; the caller fills them.
  static RowPtr make(const Uuid& uuid, size_t column_count);
  static void destroy(Row* row) noexcept;
  static Datum* columns(Row& row) noexcept { return row.data(); }
  static size_t allocation_size(size_t column_count) noexcept {
    return sizeof(Row) + column_count * sizeof(Datum);
  }
};

// An open-addressing set of rows keyed by their Uuid (linear probing with
// backward-shift deletion: no tombstones, so churn never degrades lookups).
class RowSlots {
 public:
  Row* find(const Uuid& uuid) const noexcept;
  // Precondition: no row with the same uuid is present.
  void insert(Row* row);
  bool erase(const Uuid& uuid) noexcept;
  void clear() noexcept;
  void reserve(size_t n);

  size_t size() const noexcept { return size_; }
  size_t capacity() const noexcept { return slots_.size(); }
  std::span<Row* const> slots() const noexcept { return slots_; }

 private:
  size_t home(const Uuid& uuid) const noexcept;

  std::vector<Row*> slots_;
  size_t size_ = 0;
};

}  // namespace detail

// A set of column indexes (the columns a modify changed).
class ColumnSet {
 public:
  void insert(size_t column);
  bool contains(size_t column) const noexcept;
  bool empty() const noexcept;
  size_t count() const noexcept;
  bool intersects(std::span<const size_t> columns) const noexcept;
  std::vector<size_t> to_vector() const;

  friend bool operator==(const ColumnSet&, const ColumnSet&) = default;

 private:
  uint64_t low_ = 0;            // columns 0..63, the common case: no allocation
  std::vector<uint64_t> high_;  // columns 64 and up
};

// A hash index over one or more columns; the key is the full datums of those
// columns. Schema indexes are unique (the server enforces it; a hostile server
// that breaks uniqueness cannot corrupt the index, find() then returns one of
// the rows); extra indexes are not. Erasing one row is O(1) expected however
// many rows share its key (a non-unique index may put thousands under one).
class TableIndex {
 public:
  TableIndex(std::vector<size_t> columns, bool unique);
  TableIndex(const TableIndex&) = delete;
  TableIndex& operator=(const TableIndex&) = delete;

  bool unique() const noexcept { return unique_; }
  std::span<const size_t> columns() const noexcept { return columns_; }
  size_t size() const noexcept { return size_; }

  // `key` holds one datum per index column, in index column order.
  const Row* find(std::span<const Datum> key) const;
  const Row* find(const Datum& key) const { return find(std::span<const Datum>(&key, 1)); }
  // For an index on one string column: rows whose value is exactly this one string.
  const Row* find(std::string_view key) const;
  std::vector<const Row*> find_all(std::span<const Datum> key) const;
  std::vector<const Row*> find_all(const Datum& key) const {
    return find_all(std::span<const Datum>(&key, 1));
  }
  std::vector<const Row*> find_all(std::string_view key) const;

 private:
  friend class ReplicaTable;
  struct DatumsKey {
    std::span<const Datum> datums;
  };
  struct StringKey {
    std::string_view text;
  };
  // The rows of a key that has several. Small sets are scanned; past
  // kScanLimit a position map keeps erase O(1) (built lazily, so the common
  // case of a few duplicates costs one small vector).
  struct Many {
    static constexpr size_t kScanLimit = 8;
    std::vector<const Row*> rows;                   // at least two
    std::unordered_map<const Row*, size_t> slot;  // row -> its place in rows, or empty
    void add(const Row* row);
    bool remove(const Row* row) noexcept;
    bool contains(const Row* row) const noexcept;
  };
  // All the rows under one key. Unique keys (every schema index) keep their
  // row inline, so they cost one hash node as a plain set of rows would.
  struct Group {
    explicit Group(const Row* row) noexcept : one(row) {}
    mutable const Row* one;  // the row while the key has one, else nullptr
    mutable std::unique_ptr<Many> many;
    const Row* head() const noexcept { return many ? many->rows.front() : one; }
  };
  struct Hash {
    using is_transparent = void;
    const TableIndex* index;
    size_t operator()(const Row* row) const noexcept;
    size_t operator()(const Group& g) const noexcept { return (*this)(g.head()); }
    size_t operator()(const DatumsKey& key) const noexcept;
    size_t operator()(const StringKey& key) const noexcept;
  };
  struct Equal {
    using is_transparent = void;
    const TableIndex* index;
    bool same_key(const Row* a, const Row* b) const noexcept;
    bool operator()(const Group& a, const Group& b) const noexcept { return same_key(a.head(), b.head()); }
    bool operator()(const Row* r, const Group& g) const noexcept { return same_key(r, g.head()); }
    bool operator()(const Group& g, const Row* r) const noexcept { return same_key(r, g.head()); }
    bool operator()(const DatumsKey& k, const Group& g) const noexcept;
    bool operator()(const Group& g, const DatumsKey& k) const noexcept { return (*this)(k, g); }
    bool operator()(const StringKey& k, const Group& g) const noexcept;
    bool operator()(const Group& g, const StringKey& k) const noexcept { return (*this)(k, g); }
  };

  void insert(const Row* row);
  void erase(const Row* row) noexcept;
  void clear() noexcept {
    groups_.clear();
    size_ = 0;
  }
  bool contains_exact(const Row* row) const;
  size_t memory_usage() const noexcept;
  template <class F>
  void for_each_entry(F&& f) const {
    for (const Group& g : groups_) {
      if (g.many)
        for (const Row* r : g.many->rows) f(r);
      else
        f(g.one);
    }
  }

  std::vector<size_t> columns_;
  bool unique_;
  size_t size_ = 0;
  std::unordered_set<Group, Hash, Equal> groups_;
};

class ReplicaTable {
 public:
  ReplicaTable(const ReplicaTable&) = delete;
  ReplicaTable& operator=(const ReplicaTable&) = delete;
  ~ReplicaTable();

  const TableSchema& schema() const noexcept { return *schema_; }
  std::string_view name() const noexcept { return schema_->name.value(); }
  size_t size() const noexcept { return rows_.size(); }
  bool empty() const noexcept { return rows_.size() == 0; }

  const Row* find(const Uuid& uuid) const noexcept { return rows_.find(uuid); }
  std::optional<size_t> column_index(std::string_view column) const {
    return schema_->column_index(column);
  }
  // The default datum of every column, as update2 rows imply for omitted ones.
  const Datum& default_datum(size_t column) const noexcept { return defaults_[column]; }

  // The index over exactly these columns, in this order; nullptr if none.
  const TableIndex* index(std::span<const std::string_view> columns) const;
  const TableIndex* index(std::string_view column) const {
    return index(std::span<const std::string_view>(&column, 1));
  }
  size_t index_count() const noexcept { return indexes_.size(); }
  const TableIndex& index_at(size_t i) const noexcept { return *indexes_[i]; }

  class const_iterator {
   public:
    using value_type = Row;
    using reference = const Row&;
    using pointer = const Row*;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;

    const_iterator() = default;
    reference operator*() const noexcept { return **pos_; }
    pointer operator->() const noexcept { return *pos_; }
    const_iterator& operator++() noexcept {
      ++pos_;
      skip_empty();
      return *this;
    }
    const_iterator operator++(int) noexcept {
      auto copy = *this;
      ++*this;
      return copy;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
      return a.pos_ == b.pos_;
    }

   private:
    friend class ReplicaTable;
    const_iterator(Row* const* pos, Row* const* end) noexcept : pos_(pos), end_(end) {
      skip_empty();
    }
    void skip_empty() noexcept {
      while (pos_ != end_ && *pos_ == nullptr) ++pos_;
    }
    Row* const* pos_ = nullptr;
    Row* const* end_ = nullptr;
  };
  const_iterator begin() const noexcept {
    auto s = rows_.slots();
    return {s.data(), s.data() + s.size()};
  }
  const_iterator end() const noexcept {
    auto s = rows_.slots();
    return {s.data() + s.size(), s.data() + s.size()};
  }

  // Rebuilds every index from the rows and compares, and checks that every
  // index entry is a live row of this table. For tests and fuzzers: O(rows).
  Result<void> check_consistency() const;
  // Approximate bytes held: rows, their datums' heap arrays, the uuid table
  // and the indexes (not the shared string blobs: the Replica counts those).
  size_t memory_usage() const noexcept;

 private:
  friend class Replica;
  ReplicaTable(const TableSchema& schema, std::vector<std::unique_ptr<TableIndex>> indexes);

  // Takes ownership; the uuid must be absent.
  Row* insert_row(RowPtr row);
  // Removes from the uuid table and every index and hands the row back.
  RowPtr remove_row(Row* row) noexcept;
  // Around an in-place change of `changed` columns: take the row out of the
  // indexes that cover them, then put it back.
  void unindex(const Row* row, const ColumnSet& changed) noexcept;
  void reindex(const Row* row, const ColumnSet& changed);
  void clear() noexcept;

  const TableSchema* schema_;
  std::vector<Datum> defaults_;
  detail::RowSlots rows_;
  std::vector<std::unique_ptr<TableIndex>> indexes_;
};

}  // namespace fastovsdb
