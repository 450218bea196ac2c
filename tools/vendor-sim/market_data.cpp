#include "market_data.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <numeric>

#include "civil_date.hpp"
#include "sim_random.hpp"

namespace datasync::vendorsim {
namespace {

struct Board {
  const char* prefix;
  int free_digits;
  const char* suffix;
  const char* exchange;
  const char* market;
  int weight;
  int list_from;  // YYYYMMDD
  int list_to;
  std::vector<int64_t> anchors;  // well-known codes every universe includes first (000001.SZ, 600000.SH, …)
};

// Code blocks of the three exchanges, with the years their listings span.
const Board kBoards[] = {
    {"000", 3, ".SZ", "SZSE", "主板", 12, 19910403, 20011231, {1, 2}},
    {"002", 3, ".SZ", "SZSE", "主板", 18, 20040625, 20161231, {594}},
    {"300", 3, ".SZ", "SZSE", "创业板", 14, 20091030, 20201231, {750}},
    {"301", 3, ".SZ", "SZSE", "创业板", 6, 20200824, 20251231, {269}},
    {"600", 3, ".SH", "SSE", "主板", 15, 19910101, 20051231, {0, 519}},
    {"601", 3, ".SH", "SSE", "主板", 8, 20060101, 20161231, {318}},
    {"603", 3, ".SH", "SSE", "主板", 12, 20110101, 20251231, {288}},
    {"688", 3, ".SH", "SSE", "科创板", 10, 20190722, 20251231, {981}},
    {"83", 4, ".BJ", "BSE", "北交所", 3, 20211115, 20251231, {799}},
};

struct Word {
  const char* hanzi;
  const char* pinyin;
  const char* initials;
};

constexpr Word kPrefixes[] = {
    {"华信", "Huaxin", "hx"},     {"东方", "Dongfang", "df"},   {"中天", "Zhongtian", "zt"},
    {"国泰", "Guotai", "gt"},     {"长江", "Changjiang", "cj"}, {"金山", "Jinshan", "js"},
    {"海通", "Haitong", "ht"},    {"新华", "Xinhua", "xh"},     {"恒瑞", "Hengrui", "hr"},
    {"天宇", "Tianyu", "ty"},     {"宏达", "Hongda", "hd"},     {"永安", "Yongan", "ya"},
    {"泰和", "Taihe", "th"},      {"鼎盛", "Dingsheng", "ds"},  {"瑞丰", "Ruifeng", "rf"},
    {"光明", "Guangming", "gm"},  {"远航", "Yuanhang", "yh"},   {"安信", "Anxin", "ax"},
    {"联创", "Lianchuang", "lc"}, {"博雅", "Boya", "by"},       {"三元", "Sanyuan", "sy"},
    {"四维", "Siwei", "sw"},      {"凯盛", "Kaisheng", "ks"},   {"中科", "Zhongke", "zk"},
    {"华润", "Huarun", "hr"},     {"万通", "Wantong", "wt"},    {"银河", "Yinhe", "yh"},
    {"南方", "Nanfang", "nf"},    {"北辰", "Beichen", "bc"},    {"西部", "Xibu", "xb"},
    {"正泰", "Zhengtai", "zt"},   {"明阳", "Mingyang", "my"},   {"同方", "Tongfang", "tf"},
    {"紫光", "Ziguang", "zg"},    {"大族", "Dazu", "dz"},       {"九洲", "Jiuzhou", "jz"},
    {"精工", "Jinggong", "jg"},   {"华天", "Huatian", "ht"},    {"福星", "Fuxing", "fx"},
    {"龙腾", "Longteng", "lt"},   {"祥和", "Xianghe", "xh"},    {"润达", "Runda", "rd"},
    {"金龙", "Jinlong", "jl"},    {"盛达", "Shengda", "sd"},    {"时代", "Shidai", "sd"},
    {"创新", "Chuangxin", "cx"},  {"通达", "Tongda", "td"},     {"汇丰", "Huifeng", "hf"},
    {"嘉实", "Jiashi", "js"},     {"国电", "Guodian", "gd"},    {"海信", "Haixin", "hx"},
    {"鹏辉", "Penghui", "ph"},    {"华邦", "Huabang", "hb"},    {"英特", "Yingte", "yt"},
    {"康达", "Kangda", "kd"},     {"立讯", "Lixun", "lx"},      {"德赛", "Desai", "ds"},
    {"鸿博", "Hongbo", "hb"},     {"兴业", "Xingye", "xy"},     {"锦江", "Jinjiang", "jj"},
    {"黄河", "Huanghe", "hh"},    {"泰山", "Taishan", "ts"},    {"峨眉", "Emei", "em"},
    {"天山", "Tianshan", "ts"},   {"昆仑", "Kunlun", "kl"},     {"岭南", "Lingnan", "ln"},
    {"江南", "Jiangnan", "jn"},   {"齐鲁", "Qilu", "ql"},       {"燕京", "Yanjing", "yj"},
    {"蓝海", "Lanhai", "lh"},
};

struct Suffix {
  const char* hanzi;
  const char* english;
  const char* initials;
  const char* industry;
};

constexpr Suffix kSuffixes[] = {
    {"银行", "Bank", "yh", "银行"},
    {"证券", "Securities", "zq", "证券"},
    {"保险", "Insurance", "bx", "保险"},
    {"科技", "Technology", "kj", "软件服务"},
    {"软件", "Software", "rj", "软件服务"},
    {"电子", "Electronics", "dz", "元器件"},
    {"通信", "Communications", "tx", "通信设备"},
    {"医药", "Pharmaceutical", "yy", "化学制药"},
    {"生物", "Biotech", "sw", "生物制药"},
    {"药业", "Pharma", "yy", "中成药"},
    {"医疗", "Medical", "yl", "医疗保健"},
    {"汽车", "Automobile", "qc", "汽车整车"},
    {"汽配", "Auto Parts", "qp", "汽车配件"},
    {"电气", "Electric", "dq", "电气设备"},
    {"电力", "Power", "dl", "火力发电"},
    {"新能", "New Energy", "xn", "新型电力"},
    {"环保", "Environmental", "hb", "环境保护"},
    {"化工", "Chemical", "hg", "化工原料"},
    {"材料", "Materials", "cl", "矿物制品"},
    {"钢铁", "Steel", "gt", "普钢"},
    {"有色", "Nonferrous", "ys", "铜"},
    {"矿业", "Mining", "ky", "黄金"},
    {"煤业", "Coal", "my", "煤炭开采"},
    {"石化", "Petrochemical", "sh", "石油加工"},
    {"建设", "Construction", "js", "建筑工程"},
    {"建材", "Building Materials", "jc", "水泥"},
    {"地产", "Real Estate", "dc", "全国地产"},
    {"置业", "Property", "zy", "区域地产"},
    {"物流", "Logistics", "wl", "仓储物流"},
    {"航空", "Airlines", "hk", "空运"},
    {"港口", "Port", "gk", "港口"},
    {"高速", "Expressway", "gs", "路桥"},
    {"食品", "Food", "sp", "食品"},
    {"乳业", "Dairy", "ry", "乳制品"},
    {"酒业", "Liquor", "jy", "白酒"},
    {"纺织", "Textile", "fz", "纺织"},
    {"服饰", "Apparel", "fs", "服饰"},
    {"家电", "Appliances", "jd", "家用电器"},
    {"家居", "Home Furnishing", "jj", "家居用品"},
    {"传媒", "Media", "cm", "影视音像"},
    {"文化", "Culture", "wh", "出版业"},
    {"旅游", "Tourism", "ly", "旅游景点"},
    {"商业", "Commerce", "sy", "百货"},
    {"农业", "Agriculture", "ny", "农业综合"},
    {"种业", "Seed", "zy", "种植业"},
    {"机械", "Machinery", "jx", "专用机械"},
    {"重工", "Heavy Industry", "zg", "工程机械"},
    {"装备", "Equipment", "zb", "机械基件"},
    {"光电", "Optoelectronics", "gd", "半导体"},
    {"微电", "Microelectronics", "wd", "半导体"},
};

// Later rounds of the name space when --stocks exceeds prefix × suffix combinations.
constexpr Word kNameRounds[] = {
    {"", "", ""}, {"股份", "Holding", "gf"}, {"控股", "Group", "kg"}, {"集团", "Corp", "jt"}};

struct Area {
  const char* name;
  const char* government;  // the state-asset owner of local state-owned firms
};

constexpr Area kAreas[] = {
    {"深圳", "深圳市人民政府国有资产监督管理委员会"},
    {"北京", "北京市人民政府国有资产监督管理委员会"},
    {"上海", "上海市国有资产监督管理委员会"},
    {"浙江", "浙江省人民政府国有资产监督管理委员会"},
    {"江苏", "江苏省人民政府国有资产监督管理委员会"},
    {"广东", "广东省人民政府国有资产监督管理委员会"},
    {"山东", "山东省人民政府国有资产监督管理委员会"},
    {"福建", "福建省人民政府国有资产监督管理委员会"},
    {"四川", "四川省政府国有资产监督管理委员会"},
    {"湖北", "湖北省人民政府国有资产监督管理委员会"},
    {"湖南", "湖南省人民政府国有资产监督管理委员会"},
    {"安徽", "安徽省人民政府国有资产监督管理委员会"},
    {"河南", "河南省人民政府国有资产监督管理委员会"},
    {"河北", "河北省人民政府国有资产监督管理委员会"},
    {"江西", "江西省人民政府国有资产监督管理委员会"},
    {"辽宁", "辽宁省人民政府国有资产监督管理委员会"},
    {"重庆", "重庆市国有资产监督管理委员会"},
    {"天津", "天津市人民政府国有资产监督管理委员会"},
    {"陕西", "陕西省人民政府国有资产监督管理委员会"},
    {"山西", "山西省人民政府国有资产监督管理委员会"},
    {"吉林", "吉林省人民政府国有资产监督管理委员会"},
    {"黑龙江", "黑龙江省人民政府国有资产监督管理委员会"},
    {"云南", "云南省人民政府国有资产监督管理委员会"},
    {"贵州", "贵州省人民政府国有资产监督管理委员会"},
    {"广西", "广西壮族自治区人民政府国有资产监督管理委员会"},
    {"海南", "海南省国有资产监督管理委员会"},
    {"甘肃", "甘肃省人民政府国有资产监督管理委员会"},
    {"新疆", "新疆维吾尔自治区人民政府国有资产监督管理委员会"},
    {"内蒙", "内蒙古自治区人民政府国有资产监督管理委员会"},
    {"宁夏", "宁夏回族自治区人民政府国有资产监督管理委员会"},
    {"青海", "青海省政府国有资产监督管理委员会"},
    {"西藏", "西藏自治区人民政府国有资产监督管理委员会"},
};

// Private controllers. Personal names can hold characters outside the BMP (CJK Extension B and later),
// which exercises clients' surrogate-pair handling in the \uHHHH style; the first one is one of them.
constexpr const char* kPersons[] = {
    "王𬀩", "陈𬘭", "李建国", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄海", "周杰",
    "吴昊",    "徐刚",    "孙丽",   "马超", "朱红", "胡斌", "郭涛", "何平", "高峰", "林森",
    "罗兰",    "梁栋",    "宋健",   "郑爽", "谢安", "韩冰", "唐宁", "冯远", "于洋", "李𬭊",
};

constexpr double kTwoPi = 6.283185307179586;
constexpr double kSuspensionRate = 0.003;

int YmdToDays(int ymd) {
  return DaysFromCivil(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

std::string CodeDigits(const Board& board, int64_t number) {
  std::string digits = std::to_string(number);
  return board.prefix + std::string(static_cast<size_t>(board.free_digits) - digits.size(), '0') + digits;
}

// Code numbers run 0 … 10^digits - 1, except that 000000 is not a valid code.
int64_t FirstNumber(const Board& board) {
  return std::string_view(board.prefix) == "000" ? 1 : 0;
}

size_t Capacity(const Board& board) {
  size_t cap = 1;
  for (int i = 0; i < board.free_digits; ++i) cap *= 10;
  return cap - static_cast<size_t>(FirstNumber(board));
}

// Splits `total` across the boards by weight, respecting each board's code capacity.
std::vector<size_t> BoardCounts(size_t total) {
  const size_t n = std::size(kBoards);
  int weight_sum = 0;
  for (const Board& b : kBoards) weight_sum += b.weight;
  std::vector<size_t> counts(n);
  size_t assigned = 0;
  for (size_t i = 0; i < n; ++i) {
    counts[i] = std::min(Capacity(kBoards[i]), total * static_cast<size_t>(kBoards[i].weight) / weight_sum);
    assigned += counts[i];
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [](size_t a, size_t b) { return kBoards[a].weight > kBoards[b].weight; });
  while (assigned < total) {
    bool progressed = false;
    for (size_t i : order) {
      if (assigned == total) break;
      if (counts[i] < Capacity(kBoards[i])) {
        ++counts[i];
        ++assigned;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return counts;
}

double Eps(const Stock& s, int year) {
  const double base = s.eps0 * std::pow(1.0 + s.eps_growth, year - 2018) * (0.7 + 0.6 * Unit3(s.key, year, 11));
  return Unit3(s.key, year, 12) < s.loss_prob ? -0.5 * base : base;
}

std::optional<double> DividendPerShare(const Stock& s, int year) {
  const double eps = Eps(s, year);
  if (eps <= 0 || Unit3(s.key, year, 13) >= s.payout_prob) return std::nullopt;
  return eps * s.payout;
}

int64_t Scale4(double v) {
  return std::llround(v * 10000.0);
}

}  // namespace

size_t MarketData::MaxStocks() {
  size_t total = 0;
  for (const Board& b : kBoards) total += Capacity(b);
  return std::min(total, std::size(kPrefixes) * std::size(kSuffixes) * std::size(kNameRounds));
}

MarketData::MarketData(const TradingCalendar& calendar, size_t stock_count, uint64_t seed) : calendar_(calendar) {
  SplitMix64 rng(Mix64(seed ^ 0x5eed5eed5eedULL));
  const std::vector<size_t> counts = BoardCounts(stock_count);
  for (size_t b = 0; b < std::size(kBoards); ++b) {
    const Board& board = kBoards[b];
    // Distinct code numbers (partial Fisher-Yates), ascending, paired with ascending listing dates so
    // that, as on the real exchanges, later codes listed later.
    std::vector<int64_t> numbers(Capacity(board));
    std::iota(numbers.begin(), numbers.end(), FirstNumber(board));
    size_t chosen = 0;
    for (int64_t anchor : board.anchors) {
      if (chosen == counts[b]) break;
      const auto slot = numbers.begin() + static_cast<std::ptrdiff_t>(chosen++);
      std::iter_swap(slot, std::find(slot, numbers.end(), anchor));
    }
    for (size_t i = chosen; i < counts[b]; ++i) {
      std::swap(numbers[i], numbers[i + static_cast<size_t>(rng.Next() % (numbers.size() - i))]);
    }
    numbers.resize(counts[b]);
    std::sort(numbers.begin(), numbers.end());
    std::vector<int> days(counts[b]);
    for (int& d : days) d = static_cast<int>(rng.Between(YmdToDays(board.list_from), YmdToDays(board.list_to)));
    std::sort(days.begin(), days.end());
    for (size_t i = 0; i < counts[b]; ++i) {
      Stock s;
      s.symbol = CodeDigits(board, numbers[i]);
      s.ts_code = s.symbol + board.suffix;
      s.exchange = board.exchange;
      s.market = board.market;
      s.list_day = calendar_.NextOpenOrSame(days[i]);
      s.key = Hash3(seed, static_cast<uint64_t>(std::stoll(s.symbol)), b);
      stocks_.push_back(std::move(s));
    }
  }
  std::sort(stocks_.begin(), stocks_.end(), [](const Stock& a, const Stock& b) { return a.ts_code < b.ts_code; });

  // Names: a seeded permutation of prefix × suffix, then further rounds with a longer suffix.
  const size_t combos = std::size(kPrefixes) * std::size(kSuffixes);
  std::vector<size_t> name_order(combos);
  std::iota(name_order.begin(), name_order.end(), 0);
  for (size_t i = combos - 1; i > 0; --i) std::swap(name_order[i], name_order[rng.Next() % (i + 1)]);

  const int delist_cutoff = DaysFromCivil(2024, 12, 31);
  for (size_t i = 0; i < stocks_.size(); ++i) {
    Stock& s = stocks_[i];
    SplitMix64 r(s.key);
    const size_t combo = name_order[i % combos];
    const Word& prefix = kPrefixes[combo / std::size(kSuffixes)];
    const Suffix& suffix = kSuffixes[combo % std::size(kSuffixes)];
    const Word& round = kNameRounds[i / combos];
    const std::string core = std::string(prefix.hanzi) + suffix.hanzi + round.hanzi;
    std::string spell = std::string(prefix.initials) + suffix.initials + round.initials;
    const double st = r.Unit();
    s.name = core;
    if (st < 0.02) {
      s.name = "*ST" + core;
      spell = "*st" + spell;
    } else if (st < 0.05) {
      s.name = "ST" + core;
      spell = "st" + spell;
    }
    s.cnspell = spell;
    s.industry = suffix.industry;
    const Area& area = kAreas[static_cast<size_t>(std::pow(r.Unit(), 1.6) * std::size(kAreas))];
    s.area = area.name;
    s.fullname = core + "股份有限公司";
    s.enname =
        std::string(prefix.pinyin) + " " + suffix.english + (round.pinyin[0] ? " " : "") + round.pinyin + " Co.,Ltd.";
    s.curr_type = "CNY";

    const CivilDate listed = CivilFromDays(s.list_day);
    s.list_status = "L";
    if (listed.year <= 2017 && r.Chance(0.025)) {
      const int earliest = s.list_day + 3 * 365;
      if (earliest < delist_cutoff) {
        s.delist_day = calendar_.NextOpenOrSame(static_cast<int>(r.Between(earliest, delist_cutoff)));
        s.list_status = "D";
      }
    }
    const bool connect = r.Chance(0.5) && s.list_status == "L";
    s.is_hs = !connect ? "N" : s.exchange == "SSE" ? "H" : s.exchange == "SZSE" ? "S" : "N";

    const double owner = r.Unit();
    if (i == 0) {
      s.act_name = kPersons[0];
      s.act_ent_type = "民营企业";
    } else if (owner < 0.10) {
      s.act_ent_type = "无";
    } else if (owner < 0.22) {
      s.act_name = "国务院国有资产监督管理委员会";
      s.act_ent_type = "中央国企";
    } else if (owner < 0.40) {
      s.act_name = area.government;
      s.act_ent_type = "地方国企";
    } else if (owner < 0.45) {
      s.act_name = kPersons[r.Next() % std::size(kPersons)];
      s.act_ent_type = "外资企业";
    } else {
      s.act_name = kPersons[r.Next() % std::size(kPersons)];
      s.act_ent_type = "民营企业";
    }

    // Price path and volumes.
    const bool high_priced = r.Chance(0.03);
    s.log_base = high_priced ? r.Uniform(std::log(100.0), std::log(1500.0)) : r.Uniform(std::log(3.0), std::log(60.0));
    s.amp1 = r.Uniform(0.10, 0.45);
    s.freq1 = kTwoPi / r.Uniform(200.0, 1000.0);
    s.phase1 = r.Uniform(0.0, kTwoPi);
    s.amp2 = r.Uniform(0.03, 0.10);
    s.freq2 = kTwoPi / r.Uniform(30.0, 120.0);
    s.phase2 = r.Uniform(0.0, kTwoPi);
    s.sigma = r.Uniform(0.008, 0.02);

    // Shares (万股) and fundamentals.
    const double total = std::exp(r.Uniform(std::log(5000.0), std::log(2.0e6)));
    const double floating = total * r.Uniform(0.25, 1.0);
    s.total_share = Scale4(total);
    s.float_share = Scale4(floating);
    s.free_share = Scale4(floating * r.Uniform(0.4, 0.95));
    // Typical daily turnover of 0.3 %–4 % of the float: 手 = 万股 × 100 × rate.
    s.vol_base = floating * 100.0 * std::exp(r.Uniform(std::log(0.003), std::log(0.04)));
    // Anchored to the base price so valuations land near A-share norms (pe ~10–60, pb ~1–5).
    const double base_price = std::exp(s.log_base);
    s.eps0 = base_price / r.Uniform(10.0, 60.0);
    s.eps_growth = r.Uniform(-0.06, 0.10);
    s.loss_prob = r.Chance(0.15) ? 0.4 : 0.05;
    s.bps0 = base_price / r.Uniform(1.0, 5.0);
    s.sps0 = base_price / r.Uniform(0.5, 8.0);
    s.payout = r.Uniform(0.1, 0.5);
    s.payout_prob = r.Uniform(0.3, 0.9);

    // adj_factor: 1.000 from listing; most years an ex-dividend step, sometimes a bonus-share jump.
    double factor = 1.0;
    s.adj_steps.emplace_back(s.list_day, 1000);
    const int last_year = CivilFromDays(calendar_.last_day()).year;
    for (int year = listed.year + 1; year <= last_year; ++year) {
      if (r.Chance(0.55)) {
        factor *= 1.0 + r.Uniform(0.003, 0.04);
        const int day = calendar_.NextOpenOrSame(
            DaysFromCivil(year, static_cast<int>(r.Between(5, 7)), static_cast<int>(r.Between(1, 28))));
        s.adj_steps.emplace_back(day, std::llround(factor * 1000.0));
      }
      if (r.Chance(0.08)) {
        factor *= 1.0 + r.Uniform(0.2, 1.0);
        const int day = calendar_.NextOpenOrSame(
            DaysFromCivil(year, static_cast<int>(r.Between(8, 9)), static_cast<int>(r.Between(1, 28))));
        s.adj_steps.emplace_back(day, std::llround(factor * 1000.0));
      }
    }

    s.first_row_day = std::max(s.list_day, calendar_.first_day());
    s.last_row_day = std::min(s.delist_day ? *s.delist_day - 1 : INT_MAX, calendar_.last_day());
    by_code_.emplace(s.ts_code, i);
  }
}

std::optional<size_t> MarketData::Find(std::string_view ts_code) const {
  const auto it = by_code_.find(std::string(ts_code));
  if (it == by_code_.end()) return std::nullopt;
  return it->second;
}

bool MarketData::Suspended(const Stock& stock, int day) const {
  return day != stock.list_day && Unit3(stock.key, static_cast<uint64_t>(day), 2) < kSuspensionRate;
}

bool MarketData::HasRow(const Stock& stock, int day) const {
  return day >= stock.first_row_day && day <= stock.last_row_day && calendar_.IsOpen(day) && !Suspended(stock, day);
}

std::optional<int> MarketData::PrevRowDay(const Stock& stock, int day) const {
  int d = calendar_.PrevOpen(day);
  while (d >= stock.list_day && Suspended(stock, d)) d = calendar_.PrevOpen(d);
  if (d < stock.list_day) return std::nullopt;
  return d;
}

// The smooth parts run on trading time, so a weekend or a holiday week moves a price no more than a day
// does and |pct_chg| stays within about 7 %.
int64_t MarketData::CloseFen(const Stock& s, int day) const {
  const double t = calendar_.OpenRank(day);
  const double log_price = s.log_base + s.amp1 * std::sin(t * s.freq1 + s.phase1) +
                           s.amp2 * std::sin(t * s.freq2 + s.phase2) +
                           s.sigma * (2.0 * Unit3(s.key, static_cast<uint64_t>(day), 1) - 1.0);
  return std::max<int64_t>(1, std::llround(std::exp(log_price) * 100.0));
}

DailyRow MarketData::Daily(const Stock& s, int day) const {
  const uint64_t d = static_cast<uint64_t>(day);
  DailyRow row;
  row.close = CloseFen(s, day);
  const std::optional<int> prev = PrevRowDay(s, day);
  // The listing day's pre_close is the issue price.
  row.pre_close = prev ? CloseFen(s, *prev) : std::max<int64_t>(1, std::llround(row.close * 0.7));
  row.open = std::max<int64_t>(1, std::llround(row.pre_close * (1.0 + 0.012 * (2.0 * Unit3(s.key, d, 3) - 1.0))));
  row.high = std::llround(std::max(row.open, row.close) * (1.0 + 0.015 * Unit3(s.key, d, 4)));
  row.low = std::max<int64_t>(1, std::llround(std::min(row.open, row.close) * (1.0 - 0.015 * Unit3(s.key, d, 5))));
  row.change = row.close - row.pre_close;
  row.pct_chg = std::llround(static_cast<double>(row.change) * 1.0e6 / static_cast<double>(row.pre_close));
  const double move = std::fabs(static_cast<double>(row.change) / static_cast<double>(row.pre_close));
  row.vol = std::llround(s.vol_base * (0.4 + 1.2 * Unit3(s.key, d, 6)) * (1.0 + 8.0 * move) * 100.0);
  const double vwap = row.low + (row.high - row.low) * (0.3 + 0.4 * Unit3(s.key, d, 7));
  row.amount = std::llround(static_cast<double>(row.vol) * vwap / 100.0);
  return row;
}

int64_t MarketData::AdjFactor(const Stock& s, int day) const {
  auto it = std::upper_bound(s.adj_steps.begin(), s.adj_steps.end(), day,
                             [](int d, const std::pair<int, int64_t>& step) { return d < step.first; });
  return it == s.adj_steps.begin() ? 1000 : std::prev(it)->second;
}

DailyBasicRow MarketData::DailyBasic(const Stock& s, int day) const {
  const DailyRow daily = Daily(s, day);
  const double close = static_cast<double>(daily.close) / 100.0;
  const CivilDate c = CivilFromDays(day);
  const double w = (c.month - 1) / 12.0;
  const double eps_last = Eps(s, c.year - 1);
  const double eps_now = Eps(s, c.year);
  const double eps_ttm = eps_last * (1.0 - w) + eps_now * w;
  const double vol_hands = static_cast<double>(daily.vol) / 100.0;
  const double float_share = static_cast<double>(s.float_share) / 10000.0;
  const double free_share = static_cast<double>(s.free_share) / 10000.0;
  const double bps = s.bps0 * (1.0 + 0.03 * (c.year - 2018));
  const std::optional<double> dps_last = DividendPerShare(s, c.year - 1);
  const std::optional<double> dps_now = DividendPerShare(s, c.year);

  DailyBasicRow row;
  row.close = daily.close * 100;
  row.turnover_rate = Scale4(vol_hands / float_share);
  row.turnover_rate_f = Scale4(vol_hands / free_share);
  row.volume_ratio = std::llround((0.4 + 2.2 * Unit3(s.key, static_cast<uint64_t>(day), 21)) * 100.0) * 100;
  row.pe = eps_last > 0 ? Scale4(close / eps_last) : kNullValue;
  row.pe_ttm = eps_last > 0 && eps_ttm > 0 ? Scale4(close / eps_ttm) : kNullValue;
  row.pb = Scale4(close / bps);
  row.ps = Scale4(close / s.sps0);
  row.ps_ttm = Scale4(close / (s.sps0 * (0.95 + 0.1 * w)));
  row.dv_ratio = dps_last ? Scale4(*dps_last / close * 100.0) : kNullValue;
  if (dps_last || dps_now) {
    row.dv_ttm = Scale4((dps_last ? *dps_last : *dps_now) / close * 100.0);
  } else {
    row.dv_ttm = kNullValue;
  }
  row.total_share = s.total_share;
  row.float_share = s.float_share;
  row.free_share = s.free_share;
  row.total_mv = std::llround(static_cast<double>(daily.close) * static_cast<double>(s.total_share) / 100.0);
  row.circ_mv = std::llround(static_cast<double>(daily.close) * static_cast<double>(s.float_share) / 100.0);
  return row;
}

}  // namespace datasync::vendorsim
