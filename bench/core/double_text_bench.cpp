// How fast a double becomes its shortest text, per value:
//
//   BM_ToChars/market           std::to_chars on a daily bar's values (prices with 2 decimals, pct_chg with 4,
//                               vol with 2, amount with 3)
//   BM_AppendShortestDouble/market   core::AppendShortestDouble on the same values (its integer fast path)
//   .../arbitrary               both on doubles of every magnitude, which the fast path hands to to_chars
//
// Both write the same bytes (tests/unit/core/double_text_test.cpp proves it on a million values).
#include <benchmark/benchmark.h>

#include <charconv>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/double_text.hpp"

namespace {

std::vector<double> Values(bool market) {
  std::mt19937_64 rng(42);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  std::vector<double> v;
  for (int i = 0; i < 100'000; ++i) {
    if (!market) {
      v.push_back(std::ldexp(uniform(-1, 1), static_cast<int>(rng() % 120) - 60));
      continue;
    }
    switch (i % 4) {
      case 0: v.push_back(std::round(uniform(1, 3000) * 100) / 100); break;
      case 1: v.push_back(std::round(uniform(-10, 10) * 10000) / 10000); break;
      case 2: v.push_back(std::round(uniform(0, 1e7) * 100) / 100); break;
      default: v.push_back(std::round(uniform(0, 1e9) * 1000) / 1000); break;
    }
  }
  return v;
}

void BM_ToChars(benchmark::State& state) {
  auto values = Values(state.range(0) != 0);
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (double d : values) {
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, res.ptr);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

void BM_AppendShortestDouble(benchmark::State& state) {
  auto values = Values(state.range(0) != 0);
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (double d : values) datasync::core::AppendShortestDouble(out, d);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

BENCHMARK(BM_ToChars)->ArgName("market")->Arg(1)->Arg(0);
BENCHMARK(BM_AppendShortestDouble)->ArgName("market")->Arg(1)->Arg(0);

}  // namespace

BENCHMARK_MAIN();
