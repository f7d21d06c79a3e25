#include "common/fault_file_system.h"

namespace hoptrace {

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultFileSystem* fs, std::string path, std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
  Status Append(std::string_view data) override { return fs_->OnAppend(path_, data, base_.get()); }
  Status Sync() override { return fs_->OnSync(path_, base_.get()); }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultFileSystem* fs_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

namespace {
std::string ParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}
}  // namespace

void FaultFileSystem::FailNextSyncs(int n) {
  std::lock_guard<std::mutex> l(mu_);
  fail_syncs_ = n;
}
void FaultFileSystem::SetSpaceLeft(int64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  space_left_ = bytes;
}
void FaultFileSystem::TornNextAppend(size_t keep) {
  std::lock_guard<std::mutex> l(mu_);
  torn_keep_ = static_cast<int64_t>(keep);
}
void FaultFileSystem::Reset() {
  std::lock_guard<std::mutex> l(mu_);
  fail_syncs_ = 0;
  space_left_ = -1;
  torn_keep_ = -1;
  crashed_ = false;
}
int FaultFileSystem::sync_calls() const {
  std::lock_guard<std::mutex> l(mu_);
  return sync_calls_;
}

void FaultFileSystem::Crash() {
  std::lock_guard<std::mutex> l(mu_);
  crashed_ = true;
  for (auto& [path, st] : files_) {
    if (!st.entry_durable) {
      base_->RemoveFile(path).IgnoreError();
    } else if (st.synced < st.size) {
      base_->Truncate(path, st.synced).IgnoreError();
    }
  }
  files_.clear();
}

Status FaultFileSystem::CheckWritable() {
  if (crashed_) return UnavailableError("file system crashed (fault injection)");
  return Status::Ok();
}

StatusOr<std::unique_ptr<WritableFile>> FaultFileSystem::Wrap(
    const std::string& path, StatusOr<std::unique_ptr<WritableFile>> f, bool truncated) {
  if (!f.ok()) return f.status();
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    FileState st;
    st.size = (*f)->Size();
    // A file that already had bytes on open is taken as durable up to that size.
    st.synced = truncated ? 0 : st.size;
    st.entry_durable = !truncated && st.size > 0;
    files_[path] = st;
  } else {
    it->second.size = (*f)->Size();
    if (truncated) it->second.synced = 0;
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultWritableFile>(this, path, std::move(*f)));
}

StatusOr<std::unique_ptr<WritableFile>> FaultFileSystem::NewWritableFile(const std::string& path) {
  {
    std::lock_guard<std::mutex> l(mu_);
    HT_RETURN_IF_ERROR(CheckWritable());
  }
  return Wrap(path, base_->NewWritableFile(path), true);
}

StatusOr<std::unique_ptr<WritableFile>> FaultFileSystem::NewAppendableFile(
    const std::string& path) {
  {
    std::lock_guard<std::mutex> l(mu_);
    HT_RETURN_IF_ERROR(CheckWritable());
  }
  bool existed = base_->FileExists(path);
  return Wrap(path, base_->NewAppendableFile(path), !existed);
}

Status FaultFileSystem::OnAppend(const std::string& path, std::string_view data,
                                 WritableFile* base) {
  std::lock_guard<std::mutex> l(mu_);
  HT_RETURN_IF_ERROR(CheckWritable());
  Status fail;
  size_t keep = data.size();
  if (torn_keep_ >= 0) {
    keep = std::min(keep, static_cast<size_t>(torn_keep_));
    torn_keep_ = -1;
    fail = UnavailableError("torn write to " + path + " (fault injection)");
  }
  if (space_left_ >= 0 && static_cast<int64_t>(keep) > space_left_) {
    keep = static_cast<size_t>(space_left_);
    fail = ResourceExhaustedError("write " + path + ": No space left on device (fault injection)");
  }
  if (keep > 0) HT_RETURN_IF_ERROR(base->Append(data.substr(0, keep)));
  if (space_left_ >= 0) space_left_ -= static_cast<int64_t>(keep);
  files_[path].size = base->Size();
  return fail;
}

Status FaultFileSystem::OnSync(const std::string& path, WritableFile* base) {
  std::lock_guard<std::mutex> l(mu_);
  ++sync_calls_;
  HT_RETURN_IF_ERROR(CheckWritable());
  if (fail_syncs_ > 0) {
    --fail_syncs_;
    return UnavailableError("fdatasync " + path + ": Input/output error (fault injection)");
  }
  HT_RETURN_IF_ERROR(base->Sync());
  auto& st = files_[path];
  st.size = base->Size();
  st.synced = st.size;
  return Status::Ok();
}

Status FaultFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  ++sync_calls_;
  HT_RETURN_IF_ERROR(CheckWritable());
  if (fail_syncs_ > 0) {
    --fail_syncs_;
    return UnavailableError("fsync " + dir + ": Input/output error (fault injection)");
  }
  HT_RETURN_IF_ERROR(base_->SyncDir(dir));
  for (auto& [path, st] : files_) {
    if (ParentDir(path) == dir) st.entry_durable = true;
  }
  return Status::Ok();
}

Status FaultFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  HT_RETURN_IF_ERROR(CheckWritable());
  files_.erase(path);
  return base_->RemoveFile(path);
}

Status FaultFileSystem::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> l(mu_);
  HT_RETURN_IF_ERROR(CheckWritable());
  HT_RETURN_IF_ERROR(base_->RenameFile(from, to));
  auto it = files_.find(from);
  if (it != files_.end()) {
    FileState st = it->second;
    st.entry_durable = false;  // the new name is durable only after SyncDir
    files_.erase(it);
    files_[to] = st;
  }
  return Status::Ok();
}

Status FaultFileSystem::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  HT_RETURN_IF_ERROR(CheckWritable());
  HT_RETURN_IF_ERROR(base_->Truncate(path, size));
  auto it = files_.find(path);
  if (it != files_.end()) {
    it->second.size = size;
    it->second.synced = std::min(it->second.synced, size);
  }
  return Status::Ok();
}

}  // namespace hoptrace
