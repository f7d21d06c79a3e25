#include "storage/embedded/blob_store.h"

#include <algorithm>
#include <cstdio>

#include "common/coding.h"
#include "common/log.h"
#include "storage/embedded/chunk.h"
#include "storage/embedded/file_names.h"

namespace hoptrace {

namespace {
constexpr uint64_t kMaxBlobFileBytes = 256ull << 20;
}

std::string BlobFileName(uint64_t n) { return NumberedFileName("blob-", n, 10, ".dat"); }

bool ParseBlobFileName(const std::string& name, uint64_t* n) {
  return ParseNumberedFileName(name, "blob-", 10, ".dat", n);
}

BlobStore::BlobStore(FileSystem* fs, std::string dir, int compression_level, size_t cache_bytes)
    : fs_(fs), dir_(std::move(dir)), level_(compression_level), cache_bytes_(cache_bytes) {}

Status BlobStore::Open() {
  HT_RETURN_IF_ERROR(fs_->CreateDirs(dir_));
  HT_ASSIGN_OR_RETURN(auto names, fs_->GetChildren(dir_));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    uint64_t n;
    if (!ParseBlobFileName(name, &n)) continue;
    HT_RETURN_IF_ERROR(IndexFile(n, JoinPath(dir_, name)));
    next_file_ = std::max(next_file_, n + 1);
  }
  return Status::Ok();
}

Status BlobStore::IndexFile(uint64_t n, const std::string& path) {
  std::string data;
  HT_RETURN_IF_ERROR(fs_->ReadFileToString(path, &data));
  // Length of the valid record at `pos`, or 0.
  auto record_at = [&](size_t pos) -> size_t {
    if (data.size() - pos < kBlobRecordHeader + kChunkHeaderSize) return 0;
    if (DecodeFixed32(data.data() + pos) != kBlobMagic) return 0;
    size_t chunk_len;
    if (!VerifyChunk(std::string_view(data).substr(pos + kBlobRecordHeader), &chunk_len).ok())
      return 0;
    return kBlobRecordHeader + chunk_len;
  };
  std::unique_lock<std::shared_mutex> lock(mu_);
  size_t pos = 0;
  uint64_t skipped = 0;
  while (pos < data.size()) {
    size_t len = record_at(pos);
    if (len > 0) {
      Hash128 h{DecodeFixed64(data.data() + pos + 4), DecodeFixed64(data.data() + pos + 12)};
      index_.emplace(
          h, Location{n, pos + kBlobRecordHeader, static_cast<uint32_t>(len - kBlobRecordHeader)});
      pos += len;
      continue;
    }
    // A bad record: damage if a valid record follows somewhere, else a torn tail.
    size_t next = pos + 1;
    for (; next < data.size(); ++next) {
      if (data.size() - next < kBlobRecordHeader + kChunkHeaderSize) {
        next = data.size();
        break;
      }
      if (DecodeFixed32(data.data() + next) == kBlobMagic && record_at(next) > 0) break;
    }
    if (next >= data.size()) break;
    skipped += next - pos;
    Log(LogLevel::kError, "storage",
        "blob file " + path + ": " + std::to_string(next - pos) + " damaged bytes at offset " +
            std::to_string(pos) + "; the values stored there are unreadable, later ones are kept");
    pos = next;
  }
  if (pos < data.size()) {
    Log(LogLevel::kWarning, "storage",
        "blob file " + path + ": truncating torn tail of " + std::to_string(data.size() - pos) +
            " bytes");
    HT_RETURN_IF_ERROR(fs_->Truncate(path, pos));
  }
  (void)skipped;
  file_sizes_[n] = pos;
  return Status::Ok();
}

bool BlobStore::Contains(const Hash128& h) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return index_.count(h) != 0;
}

uint64_t BlobStore::FileOf(const Hash128& h) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = index_.find(h);
  return it == index_.end() ? 0 : it->second.file;
}

Status BlobStore::Put(const std::vector<std::pair<Hash128, std::string_view>>& values) {
  std::lock_guard<std::mutex> wl(write_mu_);
  bool any_new = false;
  for (const auto& v : values) any_new = any_new || !Contains(v.first);
  if (!any_new && active_entry_durable_) return Status::Ok();
  std::string buf;
  std::vector<std::pair<Hash128, Location>> added;
  if (!active_ || active_->Size() >= kMaxBlobFileBytes) {
    uint64_t n;
    {
      std::unique_lock<std::shared_mutex> lock(mu_);
      n = next_file_++;
    }
    HT_ASSIGN_OR_RETURN(active_, fs_->NewWritableFile(JoinPath(dir_, BlobFileName(n))));
    active_file_ = n;
    active_entry_durable_ = false;
  }
  uint64_t base = active_->Size();
  for (const auto& [h, value] : values) {
    if (Contains(h)) continue;
    bool dup = false;
    for (const auto& a : added) dup = dup || a.first == h;
    if (dup) continue;
    PutFixed32(&buf, kBlobMagic);
    PutFixed64(&buf, h.lo);
    PutFixed64(&buf, h.hi);
    size_t chunk_at = buf.size();
    AppendChunk(&buf, value, level_);
    added.push_back(
        {h, Location{active_file_, base + chunk_at, static_cast<uint32_t>(buf.size() - chunk_at)}});
  }
  if (!buf.empty()) {
    Status s = active_->Append(buf);
    if (s.ok()) s = active_->Sync();
    if (!s.ok()) {
      active_.reset();  // never append after a failed write: start a new file next time
      return s.WithContext("blob store");
    }
  }
  // Until the directory entry of a new file is durable, every Put retries making it so.
  if (!active_entry_durable_) {
    HT_RETURN_IF_ERROR(fs_->SyncDir(dir_).WithContext("blob store"));
    active_entry_durable_ = true;
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const auto& [h, loc] : added) index_.emplace(h, loc);
  file_sizes_[active_file_] = active_->Size();
  return Status::Ok();
}

StatusOr<std::shared_ptr<RandomAccessFile>> BlobStore::Reader(uint64_t file) const {
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = readers_.find(file);
    if (it != readers_.end()) return it->second;
  }
  HT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> f,
                      fs_->NewRandomAccessFile(JoinPath(dir_, BlobFileName(file))));
  std::shared_ptr<RandomAccessFile> shared(std::move(f));
  std::unique_lock<std::shared_mutex> lock(mu_);
  readers_[file] = shared;
  return shared;
}

Status BlobStore::Get(const Hash128& h, uint64_t size, std::string* out) const {
  {
    std::lock_guard<std::mutex> cl(cache_mu_);
    auto it = cache_.find(h);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      *out = *it->second->second;
      return Status::Ok();
    }
  }
  Location loc;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = index_.find(h);
    if (it == index_.end())
      return DataLossError("large value " + h.ToHex() + " is missing from the blob area");
    loc = it->second;
  }
  HT_ASSIGN_OR_RETURN(auto reader, Reader(loc.file));
  std::string stored;
  HT_RETURN_IF_ERROR(reader->Read(loc.offset, loc.length, &stored));
  Status s = ReadChunk(stored, out);
  if (!s.ok()) return s.WithContext("blob " + h.ToHex() + " in " + BlobFileName(loc.file));
  if (out->size() != size) return DataLossError("blob " + h.ToHex() + " has the wrong length");
  if (out->size() <= cache_bytes_ / 4) {
    std::lock_guard<std::mutex> cl(cache_mu_);
    if (!cache_.count(h)) {
      lru_.emplace_front(h, std::make_shared<const std::string>(*out));
      cache_[h] = lru_.begin();
      cached_bytes_ += out->size();
      while (cached_bytes_ > cache_bytes_ && !lru_.empty()) {
        cached_bytes_ -= lru_.back().second->size();
        cache_.erase(lru_.back().first);
        lru_.pop_back();
      }
    }
  }
  return Status::Ok();
}

StatusOr<uint64_t> BlobStore::DeleteUnreferencedFiles(const std::set<uint64_t>& live_files) {
  std::lock_guard<std::mutex> wl(write_mu_);
  std::vector<uint64_t> dead;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    for (const auto& [n, size] : file_sizes_) {
      if (n != active_file_ && !live_files.count(n)) dead.push_back(n);
    }
    for (uint64_t n : dead) {
      for (auto it = index_.begin(); it != index_.end();) {
        it = it->second.file == n ? index_.erase(it) : std::next(it);
      }
      file_sizes_.erase(n);
      readers_.erase(n);
    }
  }
  uint64_t freed = 0;
  for (uint64_t n : dead) {
    std::string path = JoinPath(dir_, BlobFileName(n));
    auto size = fs_->GetFileSize(path);
    if (size.ok()) freed += *size;
    HT_RETURN_IF_ERROR(fs_->RemoveFile(path));
  }
  if (!dead.empty()) {
    std::lock_guard<std::mutex> cl(cache_mu_);
    lru_.clear();
    cache_.clear();
    cached_bytes_ = 0;
  }
  return freed;
}

uint64_t BlobStore::bytes_on_disk() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  uint64_t total = 0;
  for (const auto& [n, size] : file_sizes_) total += size;
  return total;
}

std::map<uint64_t, uint64_t> BlobStore::file_sizes() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return std::map<uint64_t, uint64_t>(file_sizes_.begin(), file_sizes_.end());
}

uint64_t BlobStore::active_file() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return active_file_;
}

uint64_t BlobStore::blob_count() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return index_.size();
}

}  // namespace hoptrace
