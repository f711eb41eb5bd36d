#include "fastovsdb/core/operand.hpp"

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/json_writer.hpp"

namespace fastovsdb {

Operand Operand::named(NamedUuid name) {
  Mixed m;
  m.keys.emplace_back(std::move(name));
  return Operand(std::move(m));
}

Operand Operand::ref(UuidRef r) {
  if (auto* u = std::get_if<Uuid>(&r)) return uuid(*u);
  return named(std::get<NamedUuid>(std::move(r)));
}

Operand Operand::uuid_set(std::vector<UuidRef> refs) {
  Mixed m;
  m.keys.reserve(refs.size());
  for (auto& r : refs) {
    if (auto* u = std::get_if<Uuid>(&r))
      m.keys.emplace_back(Atom::uuid(*u));
    else
      m.keys.emplace_back(std::get<NamedUuid>(std::move(r)));
  }
  return Operand(std::move(m));
}

Operand Operand::set(std::vector<OperandAtom> keys) {
  Mixed m;
  m.keys = std::move(keys);
  return Operand(std::move(m));
}

Operand Operand::map(std::vector<std::pair<OperandAtom, OperandAtom>> pairs) {
  Mixed m;
  m.values.emplace();
  m.keys.reserve(pairs.size());
  m.values->reserve(pairs.size());
  for (auto& [k, v] : pairs) {
    m.keys.push_back(std::move(k));
    m.values->push_back(std::move(v));
  }
  return Operand(std::move(m));
}

bool Operand::is_map() const noexcept {
  if (const auto* d = datum()) return d->is_map();
  return mixed()->values.has_value();
}

size_t Operand::size() const noexcept {
  if (const auto* d = datum()) return d->size();
  return mixed()->keys.size();
}

AtomicType atomic_type_of(const OperandAtom& a) noexcept {
  if (const auto* atom = std::get_if<Atom>(&a)) return atom->type();
  return AtomicType::uuid;
}

void write_atom(JsonWriter& w, const Atom& a) {
  // Through datum_to_json, so that an atom has one written form everywhere.
  datum_to_json(w, Datum::scalar(a));
}

void write_operand_atom(JsonWriter& w, const OperandAtom& a) {
  if (const auto* atom = std::get_if<Atom>(&a)) {
    write_atom(w, *atom);
  } else {
    w.begin_array().string("named-uuid").string(std::get<NamedUuid>(a).value()).end_array();
  }
}

void Operand::write(JsonWriter& w) const {
  if (const auto* d = datum()) {
    datum_to_json(w, *d);
    return;
  }
  const Mixed& m = *mixed();
  if (m.values) {
    w.begin_array().string("map").begin_array();
    for (size_t i = 0; i < m.keys.size(); ++i) {
      w.begin_array();
      write_operand_atom(w, m.keys[i]);
      write_operand_atom(w, (*m.values)[i]);
      w.end_array();
    }
    w.end_array().end_array();
    return;
  }
  if (m.keys.size() == 1) {
    write_operand_atom(w, m.keys[0]);
    return;
  }
  w.begin_array().string("set").begin_array();
  for (const auto& k : m.keys) write_operand_atom(w, k);
  w.end_array().end_array();
}

}  // namespace fastovsdb
