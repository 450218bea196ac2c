// Deterministic randomness for the simulator: a SplitMix64 stream for sequential generation (the stock
// universe at start-up) and stateless hashes of (key, day, salt) for values computed on demand, so the
// same seed always yields the same data whatever order requests arrive in. Header-only, no shared state.
#pragma once

#include <cstdint>

namespace datasync::vendorsim {

inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint64_t Hash3(uint64_t a, uint64_t b, uint64_t c) {
  return Mix64(a ^ Mix64(b ^ Mix64(c)));
}

// A uniform double in [0, 1) from a hash.
inline double UnitFromHash(uint64_t h) {
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

inline double Unit3(uint64_t a, uint64_t b, uint64_t c) {
  return UnitFromHash(Hash3(a, b, c));
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Unit() { return UnitFromHash(Next()); }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Unit(); }
  // Uniform integer in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return Unit() < p; }

 private:
  uint64_t state_;
};

}  // namespace datasync::vendorsim
