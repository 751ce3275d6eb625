// A RocksDB file system whose write-ahead-log files hold their syncs at a gate, for tests
// that need a write caught between its Write() and its WAL sync (a drain with a call in
// flight, a group commit before its sync), or whose syncs or appends fail from some point
// on. Pass the file
// system to the store through rocksdb::NewCompositeEnv.
#ifndef SYNDICATE_TESTS_TESTING_GATED_WAL_H_
#define SYNDICATE_TESTS_TESTING_GATED_WAL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "rocksdb/file_system.h"

namespace syndicate::testing {

// Syncs of write-ahead-log files wait while the gate is closed. Thread-safe.
class WalSyncGate {
 public:
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = false;
    }
    changed_.notify_all();
  }
  // From now on every WAL sync that passes the gate fails (an I/O error), as a disk's may.
  void FailSyncs() {
    std::lock_guard<std::mutex> lock(mu_);
    failing_ = true;
  }
  // From now on every append to a WAL file fails as on a full disk.
  void FailAppends() { failing_appends_.store(true); }
  bool AppendsFail() const { return failing_appends_.load(); }
  // Called by a WAL file's Sync and Fsync: returns once the gate is open; true when the
  // sync must fail.
  bool Pass() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !closed_; });
    --waiting_;
    return failing_;
  }
  // Waits (up to 30 s) until a sync waits at the gate; false when none came.
  bool WaitForWaiter() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [this] { return waiting_ > 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool closed_ = false;
  bool failing_ = false;
  int waiting_ = 0;
  std::atomic<bool> failing_appends_{false};
};

class GatedWalFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  GatedWalFile(std::unique_ptr<rocksdb::FSWritableFile> file, WalSyncGate* gate)
      : FSWritableFileOwnerWrapper(std::move(file)), gate_(gate) {}
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (gate_->AppendsFail()) return rocksdb::IOStatus::NoSpace("injected: no space left");
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (gate_->AppendsFail()) return rocksdb::IOStatus::NoSpace("injected: no space left");
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (gate_->Pass()) return rocksdb::IOStatus::IOError("injected WAL sync failure");
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (gate_->Pass()) return rocksdb::IOStatus::IOError("injected WAL sync failure");
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  WalSyncGate* const gate_;
};

// Passes everything through; WAL files (*.log) sync through `gate`, which must outlive it.
class GatedWalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit GatedWalFileSystem(WalSyncGate* gate)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), gate_(gate) {}
  const char* Name() const override { return "GatedWalFileSystem"; }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, dbg);
    if (status.ok() && name.ends_with(".log")) {
      *file = std::make_unique<GatedWalFile>(std::move(*file), gate_);
    }
    return status;
  }

 private:
  WalSyncGate* const gate_;
};

}  // namespace syndicate::testing

#endif  // SYNDICATE_TESTS_TESTING_GATED_WAL_H_
