#include "storage/parquet/thrift_compact.hpp"

#include <cassert>

namespace datasync::storage::parquet {

namespace {
// Nesting deeper than this is not Parquet metadata; it is a corrupt or hostile footer.
constexpr size_t kMaxDepth = 32;
}  // namespace

void ThriftWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ThriftWriter::FieldHeader(int16_t id, ThriftType type) {
  assert(id > last_id_);
  int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_.push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_.push_back(static_cast<char>(type));
    Varint(ZigZag(id));
  }
  last_id_ = id;
}

void ThriftWriter::FieldI8(int16_t id, int8_t v) {
  FieldHeader(id, ThriftType::kByte);
  out_.push_back(static_cast<char>(v));
}

void ThriftWriter::FieldI16(int16_t id, int16_t v) {
  FieldHeader(id, ThriftType::kI16);
  Varint(ZigZag(v));
}

void ThriftWriter::FieldI32(int16_t id, int32_t v) {
  FieldHeader(id, ThriftType::kI32);
  Varint(ZigZag(v));
}

void ThriftWriter::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, ThriftType::kI64);
  Varint(ZigZag(v));
}

void ThriftWriter::FieldBool(int16_t id, bool v) {
  // The compact protocol folds a bool field's value into the header's type nibble.
  FieldHeader(id, v ? ThriftType::kBoolTrue : ThriftType::kBoolFalse);
}

void ThriftWriter::FieldBinary(int16_t id, std::string_view v) {
  FieldHeader(id, ThriftType::kBinary);
  Varint(v.size());
  out_.append(v);
}

void ThriftWriter::FieldStruct(int16_t id) {
  FieldHeader(id, ThriftType::kStruct);
  stack_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftWriter::FieldList(int16_t id, ThriftType element, size_t size) {
  FieldHeader(id, ThriftType::kList);
  if (size < 15) {
    out_.push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(element)));
  } else {
    out_.push_back(static_cast<char>(0xF0 | static_cast<uint8_t>(element)));
    Varint(size);
  }
}

void ThriftWriter::EndStruct() {
  out_.push_back(static_cast<char>(ThriftType::kStop));
  if (!stack_.empty()) {
    last_id_ = stack_.back();
    stack_.pop_back();
  } else {
    last_id_ = 0;
  }
}

void ThriftWriter::ListI32(int32_t v) {
  Varint(ZigZag(v));
}

void ThriftWriter::ListBinary(std::string_view v) {
  Varint(v.size());
  out_.append(v);
}

void ThriftWriter::ListStruct() {
  stack_.push_back(last_id_);
  last_id_ = 0;
}

uint8_t ThriftReader::Byte() {
  if (pos_ >= data_.size()) {
    Fail();
    return 0;
  }
  return static_cast<uint8_t>(data_[pos_++]);
}

uint64_t ThriftReader::Varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t b = Byte();
    if (!ok_) return 0;
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
  Fail();
  return 0;
}

bool ThriftReader::NextField(int16_t& id, ThriftType& type) {
  if (!ok_) return false;
  uint8_t header = Byte();
  if (!ok_) return false;
  type = static_cast<ThriftType>(header & 0x0F);
  if (type == ThriftType::kStop) return false;
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(ThriftType::kStruct)) {
    Fail();
    return false;
  }
  int delta = header >> 4;
  if (delta) {
    id = static_cast<int16_t>(last_id_ + delta);
  } else {
    uint64_t z = Varint();
    id = static_cast<int16_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  last_id_ = id;
  return ok_;
}

void ThriftReader::BeginStruct() {
  if (stack_.size() >= kMaxDepth) {
    Fail();
    return;
  }
  stack_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftReader::EndStruct() {
  if (stack_.empty()) return;
  last_id_ = stack_.back();
  stack_.pop_back();
}

int64_t ThriftReader::ReadInt(ThriftType type) {
  if (type == ThriftType::kByte) return static_cast<int8_t>(Byte());
  uint64_t z = Varint();
  return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

std::string ThriftReader::ReadBinary() {
  uint64_t n = Varint();
  if (!ok_ || n > data_.size() - pos_) {
    Fail();
    return {};
  }
  std::string s(data_.substr(pos_, n));
  pos_ += n;
  return s;
}

void ThriftReader::ReadListHeader(ThriftType& element, uint32_t& size) {
  uint8_t h = Byte();
  element = static_cast<ThriftType>(h & 0x0F);
  uint64_t n = h >> 4;
  if (n == 15) n = Varint();
  // Every element takes at least one byte (bools too), so a larger count is a corrupt footer.
  if (n > data_.size() - pos_) {
    Fail();
    n = 0;
  }
  size = static_cast<uint32_t>(n);
}

void ThriftReader::Skip(ThriftType type) {
  // Lists and maps nest without BeginStruct: bound them too, or a run of one-element list headers
  // recurses until the stack overflows.
  const bool container = type == ThriftType::kList || type == ThriftType::kSet || type == ThriftType::kMap;
  if (container) {
    if (skip_depth_ >= kMaxDepth) {
      Fail();
      return;
    }
    ++skip_depth_;
  }
  SkipValue(type);
  if (container) --skip_depth_;
}

void ThriftReader::SkipElement(ThriftType type) {
  // Bools inside containers take one byte each.
  if (type == ThriftType::kBoolTrue || type == ThriftType::kBoolFalse) {
    Byte();
  } else {
    Skip(type);
  }
}

void ThriftReader::SkipValue(ThriftType type) {
  switch (type) {
    case ThriftType::kBoolTrue:
    case ThriftType::kBoolFalse: return;
    case ThriftType::kByte: Byte(); return;
    case ThriftType::kI16:
    case ThriftType::kI32:
    case ThriftType::kI64: Varint(); return;
    case ThriftType::kDouble:
      if (data_.size() - pos_ < 8)
        Fail();
      else
        pos_ += 8;
      return;
    case ThriftType::kBinary: ReadBinary(); return;
    case ThriftType::kList:
    case ThriftType::kSet: {
      ThriftType element;
      uint32_t n;
      ReadListHeader(element, n);
      // No element is empty (a stop is no element), so each one read moves on by a byte at least and a
      // hostile count costs at most the footer's length, however deeply the lists nest.
      if (n > 0 && element == ThriftType::kStop) {
        Fail();
        return;
      }
      for (uint32_t i = 0; i < n && ok_; ++i) SkipElement(element);
      return;
    }
    case ThriftType::kMap: {
      uint64_t n = Varint();
      if (n == 0) return;
      uint8_t kv = Byte();
      auto k = static_cast<ThriftType>(kv >> 4), v = static_cast<ThriftType>(kv & 0x0F);
      // As for lists: every entry takes two bytes at least.
      if (!ok_ || n > (data_.size() - pos_) / 2 || k == ThriftType::kStop || v == ThriftType::kStop) {
        Fail();
        return;
      }
      for (uint64_t i = 0; i < n && ok_; ++i) {
        SkipElement(k);
        SkipElement(v);
      }
      return;
    }
    case ThriftType::kStruct: {
      BeginStruct();
      int16_t id;
      ThriftType t;
      while (ok_ && NextField(id, t)) Skip(t);
      EndStruct();
      return;
    }
    case ThriftType::kStop: return;
  }
  Fail();
}

}  // namespace datasync::storage::parquet
