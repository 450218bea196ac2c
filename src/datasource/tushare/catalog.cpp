#include "datasource/tushare/catalog.hpp"

#include <memory>
#include <utility>

namespace datasync::datasource::tushare {

namespace {

using core::Field;
using core::LogicalType;

std::string DocUrl(int doc_id) {
  return "https://tushare.pro/document/2?doc_id=" + std::to_string(doc_id);
}

Field Str(std::string name, std::string description) {
  return {std::move(name), LogicalType::String(), true, std::move(description)};
}
Field Date(std::string name, std::string description) {
  return {std::move(name), LogicalType::Date(), true, std::move(description)};
}
Field F64(std::string name, std::string description) {
  return {std::move(name), LogicalType::Float64(), true, std::move(description)};
}
Field I32(std::string name, std::string description) {
  return {std::move(name), LogicalType::Int32(), true, std::move(description)};
}

RequestParam Param(std::string name, std::string description, bool required = false) {
  return {std::move(name), "str", required, std::move(description)};
}

// The bar-style APIs (daily, adj_factor, daily_basic) take the same selectors: codes, one day or a
// window. The vendor wants at least one of ts_code / trade_date, which the docs mark as optional
// each, so neither is required here.
std::vector<RequestParam> BarParams() {
  return {
      Param("ts_code", "股票代码（支持多个股票同时提取，逗号分隔） / stock codes, comma-separated"),
      Param("trade_date", "交易日期（YYYYMMDD） / one trading day"),
      Param("start_date", "开始日期(YYYYMMDD) / window start, inclusive"),
      Param("end_date", "结束日期(YYYYMMDD) / window end, inclusive"),
  };
}

Dataset Make(const std::string& source, std::string api, std::string title, std::string description, int doc_id,
             std::vector<RequestParam> params, std::vector<Field> fields, std::vector<std::string> primary_key,
             std::string date_key, int64_t row_cap) {
  Dataset d;
  d.name = api;
  d.source = source;
  d.api = std::move(api);
  d.title = std::move(title);
  d.description = std::move(description);
  d.doc_url = DocUrl(doc_id);
  d.params = std::move(params);
  d.schema = std::make_shared<const core::Schema>(std::move(fields));
  d.primary_key = std::move(primary_key);
  d.date_key = std::move(date_key);
  d.row_cap = row_cap;
  return d;
}

Dataset TradeCal(const std::string& source) {
  Dataset d = Make(source, "trade_cal", "交易日历 / Trading calendar",
                   "各大交易所交易日历数据，默认提取的是上交所。Trading days and holidays of the exchanges "
                   "(SSE by default), with the previous trading day of each date.",
                   26,
                   {
                       Param("exchange",
                             "交易所 SSE上交所,SZSE深交所,CFFEX 中金所,SHFE 上期所,CZCE 郑商所,DCE 大商所,INE 上能源 "
                             "/ exchange code"),
                       Param("start_date", "开始日期 （格式：YYYYMMDD） / first calendar date"),
                       Param("end_date", "结束日期 （格式：YYYYMMDD） / last calendar date"),
                       Param("is_open", "是否交易 '0'休市 '1'交易 / 1 trading days only, 0 closed days only"),
                   },
                   {
                       Str("exchange", "交易所 SSE上交所 SZSE深交所 / exchange code"),
                       Date("cal_date", "日历日期 / calendar date"),
                       // Documented as str but sent as a JSON integer 0/1 (fixture README).
                       I32("is_open", "是否交易 0休市 1交易 / 1 if the exchange trades that day"),
                       Date("pretrade_date", "上一个交易日 / previous trading day"),
                   },
                   {"exchange", "cal_date"}, "cal_date", 0);
  // The calendar that schedules and the trading_days argument source read by default.
  d.calendar = CalendarMapping{.date = "cal_date", .open = "is_open", .open_value = "1", .exchange = "exchange"};
  return d;
}

Dataset StockBasic(const std::string& source) {
  Dataset d = Make(source, "stock_basic", "股票列表 / Stock list",
                   "获取基础信息数据，包括股票代码、名称、上市日期、退市日期等。Basic reference data of listed, "
                   "delisted and suspended A shares: codes, names, industry, listing and delisting dates.",
                   25,
                   {
                       Param("ts_code", "TS股票代码 / stock code"),
                       Param("name", "名称 / stock name"),
                       Param("market", "市场类别 （主板/创业板/科创板/CDR/北交所） / market board"),
                       Param("list_status", "上市状态 L上市 D退市 P暂停上市，默认是L / listing status, default L"),
                       Param("exchange", "交易所 SSE上交所 SZSE深交所 BSE北交所 / exchange"),
                       Param("is_hs", "是否沪深港通标的，N否 H沪股通 S深股通 / Stock Connect eligibility"),
                       Param("offset", "开始行数 / rows to skip (paging)"),
                       Param("limit", "最大行数 / rows to return (paging)"),
                   },
                   {
                       Str("ts_code", "TS代码 / Tushare code, e.g. 000001.SZ"),
                       Str("symbol", "股票代码 / exchange symbol"),
                       Str("name", "股票名称 / short name"),
                       Str("area", "地域 / region"),
                       Str("industry", "所属行业 / industry"),
                       Str("fullname", "股票全称 / full name"),
                       Str("enname", "英文全称 / English name"),
                       Str("cnspell", "拼音缩写 / pinyin initials"),
                       Str("market", "市场类型（主板/创业板/科创板/CDR） / market board"),
                       Str("exchange", "交易所代码 / exchange code"),
                       Str("curr_type", "交易货币 / trading currency"),
                       Str("list_status", "上市状态 L上市 D退市 P暂停上市 / listing status"),
                       Date("list_date", "上市日期 / listing date"),
                       Date("delist_date", "退市日期 / delisting date"),
                       Str("is_hs", "是否沪深港通标的，N否 H沪股通 S深股通 / Stock Connect eligibility"),
                       Str("act_name", "实控人名称 / actual controller"),
                       Str("act_ent_type", "实控人企业性质 / actual controller's ownership type"),
                   },
                   {"ts_code"}, "", 0);
  // The list is one call today, but it grows: if the vendor ever says has_more, page by offset.
  d.paging = "offset";
  return d;
}

Dataset Daily(const std::string& source) {
  return Make(
      source, "daily", "A股日线行情 / Daily bars",
      "获取股票行情数据（未复权），交易日每天15点～16点之间入库，停牌期间不提供数据，每次最多6000条。"
      "Unadjusted daily bars of A shares, published 15:00-16:00 on trading days, none while "
      "suspended; at most 6000 rows per call.",
      27, BarParams(),
      {
          Str("ts_code", "股票代码 / stock code"),
          Date("trade_date", "交易日期 / trading day"),
          F64("open", "开盘价 / open"),
          F64("high", "最高价 / high"),
          F64("low", "最低价 / low"),
          F64("close", "收盘价 / close"),
          F64("pre_close", "昨收价【除权价，前复权】 / previous close, ex-rights"),
          F64("change", "涨跌额 / change"),
          F64("pct_chg", "涨跌幅 【基于除权后的昨收计算的涨跌幅：（今收-除权昨收）/除权昨收 】 / change in percent"),
          F64("vol", "成交量 （手） / volume in lots of 100 shares"),
          F64("amount", "成交额 （千元） / turnover in thousands of CNY"),
      },
      {"ts_code", "trade_date"}, "trade_date", 6000);
}

Dataset AdjFactor(const std::string& source) {
  return Make(source, "adj_factor", "复权因子 / Adjustment factors",
              "获取股票复权因子，可提取单只股票全部历史复权因子，也可以提取单日全部股票的复权因子，每次最多6000条。"
              "Price adjustment factors per stock and day; at most 6000 rows per call.",
              28, BarParams(),
              {
                  Str("ts_code", "股票代码 / stock code"),
                  Date("trade_date", "交易日期 / trading day"),
                  F64("adj_factor", "复权因子 / adjustment factor"),
              },
              {"ts_code", "trade_date"}, "trade_date", 6000);
}

Dataset DailyBasic(const std::string& source) {
  return Make(source, "daily_basic", "每日指标 / Daily indicators",
              "获取全部股票每日重要的基本面指标，可用于选股分析、报表展示等，每次最多6000条。Daily valuation "
              "and liquidity indicators per stock (turnover, P/E, P/B, market value); at most 6000 rows per call.",
              32, BarParams(),
              {
                  Str("ts_code", "TS股票代码 / stock code"),
                  Date("trade_date", "交易日期 / trading day"),
                  F64("close", "当日收盘价 / close"),
                  F64("turnover_rate", "换手率（%） / turnover rate, percent"),
                  F64("turnover_rate_f", "换手率（自由流通股） / turnover rate of free float, percent"),
                  F64("volume_ratio", "量比 / volume ratio"),
                  F64("pe", "市盈率（总市值/净利润， 亏损的PE为空） / P/E, empty when loss-making"),
                  F64("pe_ttm", "市盈率（TTM，亏损的PE为空） / P/E TTM, empty when loss-making"),
                  F64("pb", "市净率（总市值/净资产） / P/B"),
                  F64("ps", "市销率 / P/S"),
                  F64("ps_ttm", "市销率（TTM） / P/S TTM"),
                  F64("dv_ratio", "股息率 （%） / dividend yield, percent"),
                  F64("dv_ttm", "股息率（TTM）（%） / dividend yield TTM, percent"),
                  F64("total_share", "总股本 （万股） / total shares, 10k"),
                  F64("float_share", "流通股本 （万股） / float shares, 10k"),
                  F64("free_share", "自由流通股本 （万） / free float shares, 10k"),
                  F64("total_mv", "总市值 （万元） / total market value, 10k CNY"),
                  F64("circ_mv", "流通市值（万元） / float market value, 10k CNY"),
              },
              {"ts_code", "trade_date"}, "trade_date", 6000);
}

}  // namespace

std::vector<Dataset> BuiltinDatasets(const std::string& source_name) {
  std::vector<Dataset> out;
  out.push_back(TradeCal(source_name));
  out.push_back(StockBasic(source_name));
  out.push_back(Daily(source_name));
  out.push_back(AdjFactor(source_name));
  out.push_back(DailyBasic(source_name));
  return out;
}

}  // namespace datasync::datasource::tushare
