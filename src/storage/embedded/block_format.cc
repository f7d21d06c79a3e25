#include "storage/embedded/block_format.h"

#include <cstring>

namespace hoptrace {

void EncodeIntColumn(const std::vector<uint64_t>& values, std::string* out) {
  uint64_t max = 0;
  for (uint64_t v : values) max |= v;
  uint8_t width = max <= 0xff ? 1 : max <= 0xffff ? 2 : max <= 0xffffffffULL ? 4 : 8;
  out->push_back(static_cast<char>(width));
  size_t at = out->size();
  out->resize(at + values.size() * width);
  char* p = out->data() + at;
  for (uint64_t v : values) {
    std::memcpy(p, &v, width);  // little-endian host
    p += width;
  }
}

Status DecodeIntColumn(std::string_view in, size_t n, uint64_t* out) {
  if (in.empty()) return DataLossError("empty integer column");
  uint8_t width = static_cast<uint8_t>(in[0]);
  if ((width != 1 && width != 2 && width != 4 && width != 8) || in.size() != 1 + n * width) {
    return DataLossError("malformed integer column");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(in.data() + 1);
  switch (width) {
    case 1:
      for (size_t i = 0; i < n; ++i) out[i] = p[i];
      break;
    case 2:
      for (size_t i = 0; i < n; ++i) {
        uint16_t v;
        std::memcpy(&v, p + 2 * i, 2);
        out[i] = v;
      }
      break;
    case 4:
      for (size_t i = 0; i < n; ++i) {
        uint32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = v;
      }
      break;
    default:
      std::memcpy(out, p, n * 8);
  }
  return Status::Ok();
}

namespace {
void PutStrings(std::string* out, const std::vector<std::string>& v) {
  PutVarint64(out, v.size());
  for (const auto& s : v) PutLengthPrefixed(out, s);
}
bool GetStrings(Decoder* d, std::vector<std::string>* v) {
  uint64_t n;
  if (!d->GetVarint64(&n) || n > d->remaining()) return false;
  v->resize(n);
  for (auto& s : *v) {
    std::string_view sv;
    if (!d->GetLengthPrefixed(&sv)) return false;
    s.assign(sv);
  }
  return true;
}
}  // namespace

void BlockReader::Footer::Encode(std::string* out) const {
  PutVarint64(out, version);
  PutVarint64(out, wal_first_seq);
  PutVarint64(out, wal_last_seq);
  PutVarint64(out, rows);
  PutVarint64(out, dict_offset);
  PutVarint64(out, dict_length);
  PutFixed64(out, min_start);
  PutFixed64(out, max_start);
  PutFixed64(out, max_end);
  for (const auto& d : dicts) PutStrings(out, d.strings());
  PutStrings(out, resources);
  PutStrings(out, scopes);
  PutVarint64(out, row_groups.size());
  for (const auto& g : row_groups) {
    PutVarint64(out, g.offset);
    PutVarint64(out, g.length);
    PutVarint64(out, g.first_row);
    PutVarint64(out, g.rows);
  }
  PutVarint64(out, chunk_rows);
  PutVarint64(out, num_columns());
  for (int k = 0; k < num_columns(); ++k) {
    const auto& col = columns[k];
    PutVarint64(out, col.size());
    for (const auto& c : col) {
      PutVarint64(out, c.offset);
      PutVarint64(out, c.length);
      PutFixed64(out, c.min);
      PutFixed64(out, c.max);
    }
  }
  PutVarint64(out, traces.size());
  for (const auto& t : traces) {
    out->append(reinterpret_cast<const char*>(t.id.data()), 16);
    PutVarint64(out, t.first_row);
    PutVarint64(out, t.rows);
    PutFixed64(out, t.min_start);
    PutFixed64(out, t.max_end);
    PutVarint64(out, t.errors);
    PutVarsint64(out, t.input);
    PutVarsint64(out, t.output);
    PutVarsint64(out, t.total);
    uint64_t bits;
    std::memcpy(&bits, &t.cost, 8);
    PutFixed64(out, bits);
    out->push_back(t.has_root ? 1 : 0);
    PutFixed64(out, t.root_start);
    PutVarint64(out, t.root_name);
    PutVarint64(out, t.root_service);
    PutVarint64(out, t.first_name);
    PutVarint64(out, t.first_service);
    PutVarint64(out, t.agents.size());
    for (uint32_t a : t.agents) PutVarint64(out, a);
  }
  PutStrings(out, attribute_keys);
  PutVarint64(out, blob_files.size());
  for (uint64_t f : blob_files) PutVarint64(out, f);
}

Status BlockReader::Footer::Decode(std::string_view in) {
  Decoder d(in);
  auto bad = [](const char* what) {
    return DataLossError(std::string("corrupt block footer: ") + what);
  };
  uint64_t v;
  if (!d.GetVarint64(&v)) return bad("version");
  if (v < kOldestBlockFormatVersion || v > kBlockFormatVersion)
    return DataLossError("unsupported block format version " + std::to_string(v));
  version = static_cast<uint32_t>(v);
  if (!d.GetVarint64(&wal_first_seq) || !d.GetVarint64(&wal_last_seq) || !d.GetVarint64(&rows) ||
      !d.GetVarint64(&dict_offset) || !d.GetVarint64(&dict_length) || !d.GetFixed64(&min_start) ||
      !d.GetFixed64(&max_start) || !d.GetFixed64(&max_end)) {
    return bad("header");
  }
  for (auto& dict : dicts) {
    std::vector<std::string> strings;
    if (!GetStrings(&d, &strings)) return bad("dictionary");
    for (const auto& s : strings) dict.Intern(s);
    if (dict.size() != strings.size()) return bad("duplicate dictionary entry");
  }
  if (!GetStrings(&d, &resources) || !GetStrings(&d, &scopes)) return bad("resources");
  if (!d.GetVarint64(&v) || v > d.remaining()) return bad("row groups");
  row_groups.resize(v);
  uint64_t expect_row = 0;
  for (auto& g : row_groups) {
    if (!d.GetVarint64(&g.offset) || !d.GetVarint64(&g.length) || !d.GetVarint64(&g.first_row) ||
        !d.GetVarint64(&g.rows) || g.first_row != expect_row) {
      return bad("row group");
    }
    expect_row += g.rows;
  }
  if (expect_row != rows) return bad("row group coverage");
  uint64_t ncols;
  if (!d.GetVarint64(&chunk_rows) || !d.GetVarint64(&ncols) ||
      ncols != static_cast<uint64_t>(num_columns()) || chunk_rows == 0) {
    return bad("columns");
  }
  uint64_t expect_chunks = (rows + chunk_rows - 1) / chunk_rows;
  for (int k = 0; k < num_columns(); ++k) {
    auto& col = columns[k];
    if (!d.GetVarint64(&v) || v != expect_chunks) return bad("column chunks");
    col.resize(v);
    for (auto& c : col) {
      if (!d.GetVarint64(&c.offset) || !d.GetVarint64(&c.length) || !d.GetFixed64(&c.min) ||
          !d.GetFixed64(&c.max)) {
        return bad("column chunk");
      }
    }
  }
  if (!d.GetVarint64(&v) || v > d.remaining()) return bad("traces");
  traces.resize(v);
  for (auto& t : traces) {
    std::string_view id;
    uint64_t bits, agents;
    uint8_t has_root;
    if (!d.GetBytes(16, &id)) return bad("trace id");
    std::memcpy(t.id.data(), id.data(), 16);
    if (!d.GetVarint64(&t.first_row) || !d.GetVarint64(&t.rows) || !d.GetFixed64(&t.min_start) ||
        !d.GetFixed64(&t.max_end) || !d.GetVarint64(&t.errors) || !d.GetVarsint64(&t.input) ||
        !d.GetVarsint64(&t.output) || !d.GetVarsint64(&t.total) || !d.GetFixed64(&bits) ||
        !d.GetByte(&has_root) || !d.GetFixed64(&t.root_start) || !d.GetVarint32(&t.root_name) ||
        !d.GetVarint32(&t.root_service) || !d.GetVarint32(&t.first_name) ||
        !d.GetVarint32(&t.first_service) || !d.GetVarint64(&agents) || agents > d.remaining() ||
        t.first_row + t.rows > rows || t.root_name >= dicts[kDictName].size() ||
        t.first_name >= dicts[kDictName].size() || t.root_service >= dicts[kDictService].size() ||
        t.first_service >= dicts[kDictService].size()) {
      return bad("trace entry");
    }
    std::memcpy(&t.cost, &bits, 8);
    t.has_root = has_root != 0;
    t.agents.resize(agents);
    for (auto& a : t.agents) {
      if (!d.GetVarint32(&a) || a >= dicts[kDictAgent].size()) return bad("trace agents");
    }
  }
  if (!GetStrings(&d, &attribute_keys)) return bad("attribute keys");
  if (!d.GetVarint64(&v) || v > d.remaining()) return bad("blob files");
  for (uint64_t i = 0; i < v; ++i) {
    uint64_t f;
    if (!d.GetVarint64(&f)) return bad("blob file");
    blob_files.insert(f);
  }
  if (d.remaining() != 0) return bad("trailing bytes");
  return Status::Ok();
}

}  // namespace hoptrace
