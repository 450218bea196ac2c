// BoundedQueue: a fixed-capacity multi-producer multi-consumer queue. Push blocks while full (that is the
// back-pressure of ARCHITECTURE §3: a slow sink slows fetching); Pop blocks while empty. Close() wakes
// everyone: pushes fail, pops drain what is left and then return nullopt. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace datasync::sync {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  bool Push(T item) { return PushWaking(std::move(item), true); }

  // For a queue with one consumer that lingers (PopLingering) between items it may take late: the item wakes
  // the consumer only if it is blocked in Pop or PopFor, or when it fills the queue. A consumer lingering
  // takes it when its linger ends, so a stream of small items costs no futex wake and no context switch each.
  bool PushLazy(T item) { return PushWaking(std::move(item), false); }

  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    ++blocked_;
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    --blocked_;
    return TakeLocked();
  }

  // Waits at most `timeout`; nullopt on timeout or when closed and drained.
  std::optional<T> PopFor(std::chrono::steady_clock::duration timeout) {
    std::unique_lock lock(mu_);
    ++blocked_;
    not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
    --blocked_;
    return TakeLocked();
  }

  // PopFor that PushLazy does not wake before `timeout` (unless they fill the queue): the first item
  // queued by then, or nullopt.
  std::optional<T> PopLingering(std::chrono::steady_clock::duration timeout) {
    std::unique_lock lock(mu_);
    const uint64_t woken = wakes_;
    not_empty_.wait_for(lock, timeout, [&] { return closed_ || wakes_ != woken || items_.size() >= capacity_; });
    return TakeLocked();
  }

  std::optional<T> TryPop() {
    std::lock_guard lock(mu_);
    return TakeLocked();
  }

  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }

 private:
  bool PushWaking(T item, bool wake) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    if (wake) ++wakes_;
    if (wake || blocked_ > 0 || items_.size() >= capacity_) not_empty_.notify_one();
    return true;
  }

  std::optional<T> TakeLocked() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  int blocked_ = 0;     // consumers in Pop or PopFor, which every push wakes
  uint64_t wakes_ = 0;  // pushes by Push, which wake a lingering consumer too
};

}  // namespace datasync::sync
