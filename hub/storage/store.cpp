#include "hub/storage/store.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "hub/crypto/hex.hpp"
#include "hub/storage/bind.hpp"

namespace wasl::storage {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

std::string_view to_string(Dialect d) {
  switch (d) {
    case Dialect::kSqlite: return "sqlite";
    case Dialect::kPostgres: return "postgres";
  }
  return "unknown";
}

std::string bind(Params& params, Value value) {
  params.push_back(std::move(value));
  return "$" + std::to_string(params.size());
}

std::string bind_all(Params& params, std::vector<Value> values) {
  std::string list;
  params.reserve(params.size() + values.size());
  for (auto& value : values) {
    if (!list.empty()) list += ", ";
    list += bind(params, std::move(value));
  }
  return list;
}

std::string in_list(Params& params, Dialect dialect, std::string_view column,
                    std::vector<Value> values, std::string_view type) {
  if (dialect == Dialect::kSqlite) {
    return std::string(column) + " IN (" + storage::bind_all(params, std::move(values)) + ")";
  }
  return std::string(column) + " = ANY(CAST(" + storage::bind(params, array_literal(values)) +
         " AS " + std::string(type) + "[]))";
}

std::string array_literal(const std::vector<Value>& values) {
  std::string out = "{";
  for (const Value& value : values) {
    if (out.size() > 1) out += ',';
    if (std::holds_alternative<std::monostate>(value)) {
      out += "NULL";
      continue;
    }
    // Every element quoted, with '"' and '\' escaped: the literal then
    // reads back as written whatever the text holds (spaces, braces,
    // commas, the word NULL).
    out += '"';
    if (auto i = std::get_if<std::int64_t>(&value)) {
      out += std::to_string(*i);
    } else if (auto d = std::get_if<double>(&value)) {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
      out.append(buf, ec == std::errc() ? end : buf);
    } else if (auto blob = std::get_if<Blob>(&value)) {
      out += "\\\\x";  // bytea's hex form, its backslash escaped
      out += crypto::to_hex(blob->bytes);
    } else {
      for (char c : std::get<std::string>(value)) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
    }
    out += '"';
  }
  return out + "}";
}

namespace {

const Value& null_cell() {
  static const Value v = std::monostate{};
  return v;
}

Error cell_error(std::size_t i, std::string_view want) {
  return Error(ErrorCode::kInternal,
               "result column " + std::to_string(i) + " cannot be read as " + std::string(want));
}

Error missing_column(std::string_view column) {
  return Error(ErrorCode::kInternal, "result has no column named '" + std::string(column) + "'");
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Row::Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> cells)
    : columns_(std::move(columns)), cells_(std::move(cells)) {}

std::size_t Row::index_of(std::string_view column) const {
  const auto& cols = *columns_;
  auto it = std::find(cols.begin(), cols.end(), column);
  if (it == cols.end()) return std::numeric_limits<std::size_t>::max();
  return static_cast<std::size_t>(it - cols.begin());
}

const Value& Row::at(std::string_view column) const {
  std::size_t i = index_of(column);
  if (i >= cells_.size()) throw std::out_of_range("no column named " + std::string(column));
  return cells_[i];
}

bool Row::is_null(std::size_t i) const {
  return i >= cells_.size() || std::holds_alternative<std::monostate>(cells_[i]);
}

bool Row::is_null(std::string_view column) const { return is_null(index_of(column)); }

Result<std::int64_t> Row::get_int(std::size_t i) const {
  const Value& v = i < cells_.size() ? cells_[i] : null_cell();
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) {
    if (std::trunc(*p) == *p && std::abs(*p) < 9.2e18) return static_cast<std::int64_t>(*p);
  }
  if (auto p = std::get_if<std::string>(&v)) {
    if (auto n = parse_int(*p)) return *n;
  }
  return cell_error(i, "an integer");
}

Result<std::int64_t> Row::get_int(std::string_view column) const {
  std::size_t i = index_of(column);
  if (i >= cells_.size()) return missing_column(column);
  return get_int(i);
}

Result<double> Row::get_double(std::size_t i) const {
  const Value& v = i < cells_.size() ? cells_[i] : null_cell();
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&v)) {
    if (auto d = parse_double(*p)) return *d;
  }
  return cell_error(i, "a number");
}

Result<std::string> Row::get_text(std::size_t i) const {
  const Value& v = i < cells_.size() ? cells_[i] : null_cell();
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<Blob>(&v)) return p->bytes;
  return cell_error(i, "text");
}

Result<std::string> Row::get_text(std::string_view column) const {
  std::size_t i = index_of(column);
  if (i >= cells_.size()) return missing_column(column);
  return get_text(i);
}

Result<std::string> Row::get_blob(std::size_t i) const {
  const Value& v = i < cells_.size() ? cells_[i] : null_cell();
  if (auto p = std::get_if<Blob>(&v)) return p->bytes;
  if (auto p = std::get_if<std::string>(&v)) return *p;
  return cell_error(i, "bytes");
}

Result<std::string> Row::get_blob(std::string_view column) const {
  std::size_t i = index_of(column);
  if (i >= cells_.size()) return missing_column(column);
  return get_blob(i);
}

}  // namespace wasl::storage
