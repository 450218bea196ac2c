#include "sync/sink_writer_pool.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/crash_point.hpp"
#include "sync/bounded_queue.hpp"

namespace datasync::sync {

namespace {

// A unit this large wakes its writers at once; smaller ones wait for a lingering writer's linger (Submit).
constexpr size_t kWakeWriterAtBytes = 256 * 1024;

struct Unit {
  SinkWriterPool::AckToken token = 0;
  std::string key;
  std::shared_ptr<const core::ColumnBatch> batch;
};

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Marks a writer as inside a sink call (since when) for InterruptStalled; 0 = not in one.
class BusyMark {
 public:
  explicit BusyMark(std::atomic<int64_t>& since) : since_(since) { since_.store(SteadyNanos()); }
  ~BusyMark() { since_.store(0); }
  BusyMark(const BusyMark&) = delete;
  BusyMark& operator=(const BusyMark&) = delete;

 private:
  std::atomic<int64_t>& since_;
};

// A unit between Submit and its last sink's ack.
struct Pending {
  size_t remaining = 0;
  std::optional<core::Error> error;
};

}  // namespace

struct SinkWriterPool::Impl {
  std::vector<Writer> writers;
  Options opt;
  OnDurable on_durable;
  std::vector<std::unique_ptr<BoundedQueue<Unit>>> queues;
  std::vector<std::unique_ptr<std::atomic<int64_t>>> busy_since;  // per writer, see BusyMark
  std::vector<std::thread> threads;

  std::mutex mu;  // guards pending
  std::unordered_map<AckToken, Pending> pending;

  Impl(std::vector<Writer> w, Options o, OnDurable d) : writers(std::move(w)), opt(o), on_durable(std::move(d)) {
    for (size_t i = 0; i < writers.size(); ++i) {
      queues.push_back(std::make_unique<BoundedQueue<Unit>>(opt.queue_batches));
      busy_since.push_back(std::make_unique<std::atomic<int64_t>>(0));
    }
  }

  // One sink is done with `token`: durable (no error) or failed.
  void Ack(AckToken token, const std::optional<core::Error>& error) {
    std::optional<core::Error> outcome;
    {
      std::lock_guard lock(mu);
      auto it = pending.find(token);
      if (it == pending.end()) return;
      Pending& p = it->second;
      if (error && !p.error) p.error = error;
      if (--p.remaining > 0) {
        if (!error) core::CrashPoint("partial-ack");
        return;
      }
      outcome = std::move(p.error);
      pending.erase(it);
    }
    on_durable(token, outcome);
  }

  void WriterLoop(size_t index) {
    storage::Sink& sink = *writers[index].sink;
    const std::string& storage = writers[index].storage;
    BoundedQueue<Unit>& queue = *queues[index];
    std::atomic<int64_t>& busy = *busy_since[index];
    std::vector<Unit> group;  // written since the last commit, not yet durable
    // The keys of `group`. A group never holds one key twice: a sink appends a unit's batches until its
    // commit, so two tasks of one key (a plan that lists an argument set twice) would both be kept.
    std::unordered_set<std::string> group_keys;
    auto write = [&](Unit first) {
      std::vector<Unit> todo;  // a stack: the next unit to write is at the back
      todo.push_back(std::move(first));
      while (!todo.empty()) {
        Unit unit = std::move(todo.back());
        todo.pop_back();
        core::Status st = core::Ok();
        {
          BusyMark mark(busy);
          st = sink.Write(unit.batch, unit.key);
          if (!st) (void)sink.Abort();
        }
        if (st) {
          core::CrashPoint("write", storage);
          group_keys.insert(unit.key);
          group.push_back(std::move(unit));
          continue;
        }
        Ack(unit.token, st.error());
        for (auto it = group.rbegin(); it != group.rend(); ++it) todo.push_back(std::move(*it));
        group.clear();
        group_keys.clear();
      }
    };
    size_t group_bytes = 0;
    std::chrono::steady_clock::time_point group_started;
    std::chrono::steady_clock::duration last_commit{0};
    auto commit = [&] {
      if (group.empty()) return;
      group_keys.clear();
      core::Status st = core::Ok();
      {
        BusyMark mark(busy);
        auto started = std::chrono::steady_clock::now();
        st = sink.Commit();
        if (!st) (void)sink.Abort();
        last_commit = std::chrono::steady_clock::now() - started;
      }
      group_bytes = 0;
      if (!st && st.error().kind() == core::ErrorKind::kInvalidInput && group.size() > 1) {
        // Rows refused at Commit (a sink that loads a group there, as the sqlite sink does in key order) name
        // no unit: each unit is committed alone, so only the one with the bad rows fails.
        std::vector<Unit> units = std::move(group);
        group.clear();
        for (Unit& unit : units) {
          BusyMark mark(busy);
          core::Status one = sink.Write(unit.batch, unit.key);
          if (one) {
            core::CrashPoint("write", storage);
            one = sink.Commit();
          }
          if (!one) {
            (void)sink.Abort();
          } else {
            core::CrashPoint("commit", storage);
          }
          Ack(unit.token, one ? std::nullopt : std::optional<core::Error>(one.error()));
        }
        return;
      }
      std::optional<core::Error> error;
      if (!st) {
        error = st.error();
      } else {
        core::CrashPoint("commit", storage);
      }
      for (const auto& unit : group) Ack(unit.token, error);
      group.clear();
    };
    while (true) {
      // Block only when nothing is waiting for a commit; otherwise linger on a dry queue (Lingering).
      std::optional<Unit> unit = group.empty() ? queue.Pop() : queue.TryPop();
      if (!unit && !group.empty()) {
        if (auto wait = Lingering(group_started, last_commit); wait > std::chrono::steady_clock::duration::zero()) {
          unit = queue.PopLingering(wait);
        }
      }
      if (!unit) {
        if (group.empty()) return;  // closed and drained
        commit();
        continue;
      }
      if (group_keys.count(unit->key)) commit();  // the later task's rows replace the earlier's, as in any run
      if (group.empty()) group_started = std::chrono::steady_clock::now();
      group_bytes += unit->batch ? unit->batch->ByteSize() : 0;
      write(std::move(*unit));
      if (group.size() >= opt.commit_every_batches || group_bytes >= opt.max_group_bytes) commit();
    }
  }

  // How long a writer whose queue ran dry waits for more units before it commits its group: the last
  // commit's duration times linger_factor (at least min_linger), within max_commit_delay of the group's
  // first write.
  std::chrono::steady_clock::duration Lingering(std::chrono::steady_clock::time_point group_started,
                                                std::chrono::steady_clock::duration last_commit) const {
    auto linger = std::max<std::chrono::steady_clock::duration>(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(last_commit * opt.linger_factor),
        opt.min_linger);
    auto left = group_started + opt.max_commit_delay - std::chrono::steady_clock::now();
    return std::min(linger, left);
  }

  void Close() {
    for (auto& q : queues) q->Close();
    for (auto& t : threads) t.join();
    threads.clear();
  }
};

SinkWriterPool::SinkWriterPool(std::vector<Writer> writers, Options options, OnDurable on_durable)
    : impl_(std::make_unique<Impl>(std::move(writers), options, std::move(on_durable))) {}

SinkWriterPool::~SinkWriterPool() {
  impl_->Close();
}

void SinkWriterPool::Start() {
  for (size_t i = 0; i < impl_->writers.size(); ++i) impl_->threads.emplace_back([this, i] { impl_->WriterLoop(i); });
}

void SinkWriterPool::Submit(AckToken token, std::string key, std::shared_ptr<const core::ColumnBatch> batch) {
  if (impl_->queues.empty()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->pending[token] = Pending{impl_->queues.size(), std::nullopt};
  }
  // A small unit does not wake a writer that lingers for more: it is written when the linger ends (or the
  // queue is full), with the others that came meanwhile. A large one is written at once, so that its writing
  // overlaps the fetching of the next.
  bool lazy = !batch || batch->ByteSize() < kWakeWriterAtBytes;
  for (auto& q : impl_->queues) {
    if (lazy) {
      q->PushLazy(Unit{token, key, batch});
    } else {
      q->Push(Unit{token, key, batch});
    }
  }
}

void SinkWriterPool::Close() {
  impl_->Close();
}

size_t SinkWriterPool::InterruptStalled(std::chrono::milliseconds older_than) {
  int64_t cutoff = SteadyNanos() - std::chrono::nanoseconds(older_than).count();
  size_t n = 0;
  for (size_t i = 0; i < impl_->writers.size(); ++i) {
    int64_t since = impl_->busy_since[i]->load();
    if (since != 0 && since < cutoff) {
      impl_->writers[i].sink->Interrupt();
      ++n;
    }
  }
  return n;
}

size_t SinkWriterPool::sinks() const {
  return impl_->writers.size();
}

size_t SinkWriterPool::queued() const {
  size_t n = 0;
  for (const auto& q : impl_->queues) n += q->size();
  return n;
}

}  // namespace datasync::sync
