#include "storage/sql/key_order.hpp"

#include <algorithm>
#include <cmath>

namespace datasync::storage::sql {
namespace {

using core::TypeId;

template <typename T>
int Compare(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareFloat(double a, double b) {
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  return Compare(a, b);
}

int CompareCell(const core::Column& ca, size_t ra, const core::Column& cb, size_t rb) {
  bool va = ca.IsValid(ra), vb = cb.IsValid(rb);
  if (!va || !vb) return va == vb ? 0 : (va ? 1 : -1);
  switch (ca.type().id) {
    case TypeId::kBool:
      return Compare(ca.GetBool(ra), cb.GetBool(rb));
    case TypeId::kInt32:
    case TypeId::kDate:
      return Compare(ca.GetInt32(ra), cb.GetInt32(rb));
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return Compare(ca.GetInt64(ra), cb.GetInt64(rb));
    case TypeId::kFloat64:
      return CompareFloat(ca.GetFloat64(ra), cb.GetFloat64(rb));
    case TypeId::kString:
      return ca.GetString(ra).compare(cb.GetString(rb));
    case TypeId::kDecimal:
      return Compare(ca.GetDecimal(ra), cb.GetDecimal(rb));
  }
  return 0;
}

}  // namespace

std::vector<RowRef> OrderByKey(std::span<const core::ColumnBatch* const> batches, std::span<const size_t> key) {
  std::vector<RowRef> rows;
  size_t total = 0;
  for (const auto* b : batches) total += b->num_rows();
  rows.reserve(total);
  for (uint32_t b = 0; b < batches.size(); ++b) {
    for (uint32_t r = 0; r < batches[b]->num_rows(); ++r) rows.push_back({b, r});
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const RowRef& x, const RowRef& y) {
    for (size_t k : key) {
      int c = CompareCell(batches[x.batch]->column(k), x.row, batches[y.batch]->column(k), y.row);
      if (c != 0) return c < 0;
    }
    return false;
  });
  return rows;
}

}  // namespace datasync::storage::sql
