#include "cli/output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace datasync::cli {

namespace {

uint32_t DecodeUtf8(const std::string& s, size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  uint32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

size_t DisplayWidth(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) w += IsWide(DecodeUtf8(s, i)) ? 2 : 1;
  return w;
}

std::string RenderTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) widths[c] = DisplayWidth(header[c]);
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], DisplayWidth(r[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < header.size(); ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      l += cell;
      if (c + 1 < header.size()) l += std::string(widths[c] - DisplayWidth(cell) + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string HumanBytes(int64_t n) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string HumanSeconds(double s) {
  if (s < 0) return "?";
  if (s < 60) return fmt::format("{:.2f} s", s);
  auto total = static_cast<int64_t>(s + 0.5);
  if (total < 3600) return fmt::format("{} min {:02} s", total / 60, total % 60);
  return fmt::format("{} h {:02} min", total / 3600, total / 60 % 60);
}

std::string LocalTime(int64_t epoch_us) {
  if (epoch_us <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(epoch_us / 1000000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string ProgressLine(const std::string& plan, const sync::Progress& p) {
  std::string line = fmt::format("[{}] {}/{} tasks", plan, Thousands(p.tasks_done), Thousands(p.tasks_total));
  if (p.tasks_failed) line += fmt::format(", {} failed", p.tasks_failed);
  if (p.tasks_skipped) line += fmt::format(", {} skipped", p.tasks_skipped);
  line +=
      fmt::format("  {} rows  {} rows/s  ETA {}", Thousands(p.rows), Thousands(static_cast<int64_t>(p.rows_per_sec)),
                  p.eta_secs < 0 ? std::string("?") : HumanSeconds(p.eta_secs));
  if (!p.note.empty()) line += "  (" + p.note + ")";
  return line;
}

std::string RenderReport(const sync::RunReport& r) {
  std::string s = fmt::format("run {}  plan {}  dataset {}  source {}  status {}\n", r.run_id, r.plan, r.dataset,
                              r.source, r.status);
  if (!r.error.empty()) s += fmt::format("  error     {}\n", r.error);
  s += fmt::format("  tasks     {} total: {} ok, {} failed, {} skipped, {} cancelled", Thousands(r.tasks_total),
                   Thousands(r.tasks_done), r.tasks_failed, r.tasks_skipped, r.tasks_cancelled);
  if (r.tasks_split) s += fmt::format(", {} split", r.tasks_split);
  if (r.tasks_waiting) s += fmt::format(", {} waiting", r.tasks_waiting);
  s += fmt::format("  (success rate {:.1f}%)\n", r.success_rate * 100);
  s += fmt::format("  rows      {}   bytes {}   requests {} ({} retries)\n", Thousands(r.rows), HumanBytes(r.bytes),
                   Thousands(r.requests), r.retries);
  s += fmt::format("  duration  {}   {} rows/s\n", HumanSeconds(r.duration_secs),
                   Thousands(static_cast<int64_t>(r.rows_per_sec)));
  if (r.resume_at_us) s += fmt::format("  resumes   {}\n", LocalTime(r.resume_at_us));
  for (const auto& st : r.storages) {
    s += fmt::format("  storage   {} ({}): {} rows, {}, {} commit(s)\n", st.storage, st.kind, Thousands(st.rows),
                     HumanBytes(st.bytes), st.commits);
  }
  std::string quota;
  for (const auto& q : r.quota) {
    if (q.window == "concurrency") continue;
    if (!quota.empty()) quota += ", ";
    quota += q.limit ? fmt::format("{} {}/{}", q.window, q.used, q.limit) : fmt::format("{} {}", q.window, q.used);
  }
  if (!quota.empty()) s += "  quota     " + quota + "\n";
  if (const auto& c = r.concurrency; c.mode == "adaptive") {
    s += fmt::format("  calls     adaptive up to {}: ended at {} in flight (ranged {}-{}, {:.1f} on average", c.max,
                     c.final_limit, c.lowest, c.highest, c.mean_in_flight);
    if (c.back_pressure) s += fmt::format(", {} push-back(s) from the vendor", c.back_pressure);
    s += ")\n";
    std::string levels;
    for (const auto& l : c.levels) {
      if (!levels.empty()) levels += ", ";
      levels += fmt::format("{} at once {:.0f} ms = {:.0f}/s", l.level, l.rtt_ms, l.calls_per_sec);
    }
    if (!levels.empty()) s += "            vendor answered " + levels + "\n";
  } else if (c.mode == "fixed") {
    s += fmt::format("  calls     {} at once (fixed)\n", c.max);
  }
  for (const auto& e : r.errors) {
    s += fmt::format("  errors    {} x{}\n", e.kind, e.count);
    for (const auto& ex : e.examples) s += "            " + ex + "\n";
  }
  for (const auto& w : r.warnings) s += "  warning   " + w + "\n";
  for (const auto& q : r.quality) {
    std::string kept_out =
        q.quarantined ? fmt::format(", {} kept out (in {}_rejected)", q.quarantined, r.dataset) : std::string();
    s += fmt::format("  quality   {} [{}]: {}{}\n", q.rule, q.severity,
                     q.violations ? fmt::format("{} of {} broke it", q.violations, q.checked)
                                  : fmt::format("ok ({} checked)", q.checked),
                     kept_out);
    for (const auto& ex : q.examples) s += "            " + ex + "\n";
  }
  return s;
}

}  // namespace datasync::cli
