#include "doc_pages.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "data_apis.hpp"

namespace datasync::vendorsim {
namespace {

struct FieldDoc {
  std::string_view name;
  std::string_view type;
  std::string_view description;  // may hold inline markup
};

struct ParamDoc {
  std::string_view name;
  std::string_view type;
  std::string_view required;
  std::string_view description;
};

// How one page is written: each page takes other variants of the real site.
struct PageStyle {
  bool four_columns = false;      // output table with 默认显示
  bool api_name_heading = false;  // <strong>接口名称</strong> ：x and <strong>接口参数</strong>
  bool intro_paragraphs = false;  // one <p> per intro line instead of <br>
  const char* br = "<br>";        // or "<br/>"
  bool extra_table = false;       // a table after the output fields that is not fields
  bool note_after_params = false;
};

struct Page {
  int doc_id;
  int parent;  // 0 at the top of the tree
  std::string_view label;  // the sidebar's label (may differ from the title)
  std::string_view title;
  std::string_view api;    // empty for a category page
  std::vector<std::string_view> intro;
  std::vector<ParamDoc> params;
  std::vector<FieldDoc> fields;
  std::vector<std::string_view> default_fields;  // four_columns pages: the fields shown by default
  PageStyle style;
};

const std::vector<Page>& Pages() {
  static const std::vector<Page> pages = [] {
    std::vector<Page> p;
    p.push_back({14, 0, "股票数据", "股票数据", "", {"股票数据包括基础数据、行情数据、财务数据等，请从左侧目录选择。"}, {}, {}, {}, {}});
    p.push_back({24, 14, "基础数据", "基础数据", "", {"上市公司的基本信息：股票列表、交易日历。"}, {}, {}, {}, {}});
    p.push_back({15, 14, "行情数据", "行情数据", "", {"日线行情、复权因子与每日指标。"}, {}, {}, {}, {}});

    Page trade_cal{26, 24, "交易日历", "交易日历", "trade_cal", {}, {}, {}, {}, {}};
    trade_cal.intro = {
        "接口：trade_cal，可以通过<a href=\"/webclient/\"><strong>数据工具</strong></a>调试和查看数据",
        "描述：获取各大交易所交易日历数据,默认提取的是上交所",
        "积分：需2000积分，<font color=\"red\">单次最大返回6000条</font>"};
    trade_cal.params = {
        {"exchange", "str", "N", "交易所 SSE上交所,SZSE深交所,CFFEX 中金所,SHFE 上期所,CZCE 郑商所,DCE 大商所,INE 上能源"},
        {"start_date", "str", "N", "开始日期 （格式：YYYYMMDD 下同）"},
        {"end_date", "str", "N", "结束日期"},
        {"is_open", "str", "N", "是否交易 '0'休市 '1'交易"}};
    trade_cal.fields = {{"exchange", "str", "交易所 SSE上交所 SZSE深交所"},
                        {"cal_date", "str", "日历日期"},
                        {"is_open", "int", "是否交易 0休市 1交易"},
                        {"pretrade_date", "None", "上一个交易日"}};
    p.push_back(trade_cal);

    Page stock_basic{25, 24, "股票列表", "基础信息", "stock_basic", {}, {}, {}, {}, {}};
    stock_basic.style.api_name_heading = true;
    stock_basic.style.four_columns = true;
    stock_basic.style.br = "<br/>";
    stock_basic.intro = {"描述：获取基础信息数据，包括股票代码、名称、上市日期、退市日期等",
                         "限量：单次最大6000条，可以分批提取", "权限：用户需要至少120积分才可以调取"};
    stock_basic.params = {{"ts_code", "str", "N", "TS股票代码"},
                          {"name", "str", "N", "名称"},
                          {"market", "str", "N", "市场类别 （主板/创业板/科创板/CDR/北交所）"},
                          {"list_status", "str", "N", "上市状态 L上市 D退市 P暂停上市，默认是L"},
                          {"exchange", "str", "N", "交易所 SSE上交所 SZSE深交所 BSE北交所"},
                          {"is_hs", "str", "N", "是否沪深港通标的，N否 H沪股通 S深股通"}};
    stock_basic.fields = {{"ts_code", "str", "TS代码"},
                          {"symbol", "str", "股票代码"},
                          {"name", "str", "股票名称"},
                          {"area", "str", "地域"},
                          {"industry", "str", "所属行业"},
                          {"fullname", "str", "股票全称"},
                          {"enname", "str", "英文全称"},
                          {"cnspell", "str", "拼音缩写"},
                          {"market", "str", "市场类型（主板/创业板/科创板/CDR）"},
                          {"exchange", "str", "交易所代码"},
                          {"curr_type", "str", "交易货币"},
                          {"list_status", "str", "上市状态 L上市 D退市 P暂停上市"},
                          {"list_date", "str", "上市日期"},
                          {"delist_date", "str", "退市日期"},
                          {"is_hs", "str", "是否沪深港通标的，N否 H沪股通 S深股通"},
                          {"act_name", "str", "实控人名称"},
                          {"act_ent_type", "str", "实控人企业性质"}};
    stock_basic.default_fields = {"ts_code", "symbol",  "name",      "area",     "industry",
                                  "cnspell", "market", "list_date", "act_name", "act_ent_type"};
    p.push_back(stock_basic);

    Page daily{27, 15, "历史日线", "A股日线行情", "daily", {}, {}, {}, {}, {}};
    daily.style.note_after_params = true;
    daily.intro = {"接口：daily，可以通过<a href=\"/webclient/\"><strong>数据工具</strong></a>调试和查看数据",
                   "数据说明：交易日每天15点～16点之间入库。本接口是未复权行情，停牌期间不提供数据",
                   "调取说明：基础积分每分钟内可调取500次，每次6000条数据，一次请求相当于提取一个股票23年历史",
                   "描述：获取股票行情数据，或通过<a href=\"/document/2?doc_id=109\"><strong>通用行情接口</strong></a>"
                   "获取数据，包含了前后复权数据"};
    daily.params = {{"ts_code", "str", "Y", "股票代码（支持多个股票同时提取，逗号分隔；与trade_date二选一）"},
                    {"trade_date", "str", "Y", "交易日期（YYYYMMDD；与ts_code二选一）"},
                    {"start_date", "str", "N", "开始日期(YYYYMMDD)"},
                    {"end_date", "str", "N", "结束日期(YYYYMMDD)"}};
    daily.fields = {{"ts_code", "str", "股票代码"},
                    {"trade_date", "str", "交易日期"},
                    {"open", "float", "开盘价"},
                    {"high", "float", "最高价"},
                    {"low", "float", "最低价"},
                    {"close", "float", "收盘价"},
                    {"pre_close", "float", "昨收价【除权价，前复权】"},
                    {"change", "float", "涨跌额"},
                    {"pct_chg", "float", "涨跌幅 【基于除权后的昨收计算的涨跌幅：（今收-除权昨收）/除权昨收 】"},
                    {"vol", "float", "成交量 （手）"},
                    {"amount", "float", "成交额 （千元）"},
                    {"vwap", "float", "成交均价（元），成交额/成交量"}};
    p.push_back(daily);

    Page adj{28, 15, "复权因子", "复权因子", "adj_factor", {}, {}, {}, {}, {}};
    adj.style.intro_paragraphs = true;
    adj.style.four_columns = true;
    adj.style.extra_table = true;
    adj.intro = {"接口：adj_factor", "更新时间：早上9点30分",
                 "描述：本接口由Tushare自行生产，获取股票复权因子，可提取单只股票全部历史复权因子，也可以提取单日全部"
                 "股票的复权因子。",
                 "限量：单次最大6000条"};
    adj.params = {{"ts_code", "str", "N", "股票代码"},
                  {"trade_date", "str", "N", "交易日期(YYYYMMDD，下同)"},
                  {"start_date", "str", "N", "开始日期"},
                  {"end_date", "str", "N", "结束日期"}};
    adj.fields = {{"ts_code", "str", "股票代码"}, {"trade_date", "str", "交易日期"}, {"adj_factor", "float", "复权因子"}};
    adj.default_fields = {"ts_code", "trade_date", "adj_factor"};
    p.push_back(adj);

    Page basic{32, 15, "每日指标", "每日指标", "daily_basic", {}, {}, {}, {}, {}};
    basic.intro = {"接口：daily_basic，可以通过<strong>数据工具</strong>调试和查看数据。",
                   "更新时间：交易日每日15点～17点之间",
                   "描述：获取全部股票每日重要的基本面指标，可用于选股分析、报表展示等。单次请求最大返回6000条数据，"
                   "可按日线循环提取全部历史。",
                   "积分：至少2000积分才可以调取，具体请参阅<a href=\"/document/1?doc_id=13\">积分获取办法</a>"};
    basic.params = {{"ts_code", "str", "N", "股票代码（二选一）"},
                    {"trade_date", "str", "N", "交易日期 （二选一）"},
                    {"start_date", "str", "N", "开始日期(YYYYMMDD)"},
                    {"end_date", "str", "N", "结束日期(YYYYMMDD)"}};
    basic.fields = {{"ts_code", "str", "TS股票代码"},
                    {"trade_date", "str", "交易日期"},
                    {"close", "float", "当日收盘价"},
                    {"turnover_rate", "float", "换手率（%）"},
                    {"turnover_rate_f", "float", "换手率（自由流通股）"},
                    {"volume_ratio", "float", "量比"},
                    {"pe", "float", "<a href=\"/document/2?doc_id=300\">市盈率</a>（总市值/净利润， 亏损的PE为空）"},
                    {"pe_ttm", "float", "市盈率（TTM，亏损的PE为空）"},
                    {"pb", "float", "市净率（<strong>总市值</strong>/净资产）"},
                    {"ps", "number", "市销率"},
                    {"ps_ttm", "number", "市销率（TTM）"},
                    {"dv_ratio", "float", "股息率 （%）"},
                    {"dv_ttm", "float", "股息率（TTM）（%）"},
                    {"total_share", "float", "总股本 （万股）"},
                    {"float_share", "float", "流通股本 （万股）"},
                    {"free_share", "float", "自由流通股本 （万）"},
                    {"total_mv", "float", "总市值 （万元）"},
                    {"circ_mv", "float", "流通市值（万元）"}};
    p.push_back(basic);
    return p;
  }();
  return pages;
}

const Page* FindPage(int doc_id) {
  for (const Page& p : Pages()) {
    if (p.doc_id == doc_id) return &p;
  }
  return nullptr;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

bool HasChildren(int doc_id) {
  const auto& pages = Pages();
  return std::any_of(pages.begin(), pages.end(), [&](const Page& p) { return p.parent == doc_id; });
}

bool OnPath(int node, int current) {
  for (const Page* p = FindPage(current); p != nullptr; p = FindPage(p->parent)) {
    if (p->doc_id == node) return true;
  }
  return false;
}

// The sidebar as the real site renders it: the path to the current page open, other categories closed
// with their children left out (they are listed on the category's own page).
void AppendTree(std::string& out, int parent, int current) {
  out += "<ul role=\"group\" class=\"jstree-children\">";
  for (const Page& p : Pages()) {
    if (p.parent != parent) continue;
    bool category = HasChildren(p.doc_id);
    bool open = category && OnPath(p.doc_id, current);
    out += "<li role=\"treeitem\" class=\"jstree-node ";
    out += category ? (open ? "jstree-open" : "jstree-closed") : "jstree-leaf";
    if (p.doc_id == current) out += " active jstree-clicked";
    out += "\"><i class=\"jstree-icon jstree-ocl\"></i><a class=\"jstree-anchor\" href=\"https://tushare.pro/document/2?doc_id=" +
           std::to_string(p.doc_id) + "\" tabindex=\"-1\"><i class=\"jstree-icon jstree-themeicon\"></i>" +
           Escape(p.label) + "</a>";
    if (open) AppendTree(out, p.doc_id, current);
    out += "</li>";
  }
  out += "</ul>";
}

void AppendTable(std::string& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  out += "<table>\n<thead>\n<tr>\n";
  for (const auto& h : header) out += "<th>" + h + "</th>\n";
  out += "</tr>\n</thead>\n<tbody>";
  for (const auto& row : rows) {
    out += "<tr>\n";
    for (const auto& c : row) out += "<td>" + c + "</td>\n";
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
}

void AppendContent(std::string& out, const Page& page, bool schema_change) {
  out += "<h2 id=\"" + Escape(page.title) + "\">" + Escape(page.title) + "</h2>\n<hr>\n";
  const PageStyle& st = page.style;
  if (page.api.empty()) {
    for (auto line : page.intro) out += "<p>" + std::string(line) + "</p>\n";
    return;
  }
  std::vector<std::string> intro;
  if (st.api_name_heading) intro.push_back("<strong>接口名称</strong> ：" + std::string(page.api));
  for (auto line : page.intro) intro.emplace_back(line);
  if (st.intro_paragraphs) {
    for (const auto& line : intro) out += "<p>" + line + "</p>\n";
  } else {
    out += "<p>";
    for (size_t i = 0; i < intro.size(); ++i) out += (i ? st.br : "") + intro[i];
    out += "</p>\n";
  }
  out += st.api_name_heading ? "<p><strong>接口参数</strong></p>\n" : "<p><strong>输入参数</strong></p>\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : page.params) {
    rows.push_back({std::string(p.name), std::string(p.type), std::string(p.required), std::string(p.description)});
  }
  AppendTable(out, {"名称", "类型", "必选", "描述"}, rows);
  if (st.note_after_params) out += "<p><strong>注：日期都填YYYYMMDD格式，比如20181010</strong></p>\n";

  // The fields the data endpoint serves, in its order, described from this page's table.
  const auto& served = schema_change ? DataApis::SchemaChangedFields(page.api) : DataApis::Fields(page.api);
  rows.clear();
  for (std::string_view name : served) {
    const FieldDoc* doc = nullptr;
    for (const auto& f : page.fields) {
      if (f.name == name) doc = &f;
    }
    std::string type = doc ? std::string(doc->type) : "str";
    if (schema_change && page.api == "trade_cal" && name == "is_open") type = "float";
    std::vector<std::string> row = {std::string(name), type};
    if (st.four_columns) {
      bool shown = std::find(page.default_fields.begin(), page.default_fields.end(), name) != page.default_fields.end();
      row.push_back(shown ? "Y" : "N");
    }
    row.push_back(doc ? std::string(doc->description) : "");
    rows.push_back(std::move(row));
  }
  out += "<p><strong>输出参数</strong></p>\n";
  AppendTable(out, st.four_columns ? std::vector<std::string>{"名称", "类型", "默认显示", "描述"}
                                   : std::vector<std::string>{"名称", "类型", "描述"},
              rows);
  if (st.extra_table) {
    out += "<p><strong>复权说明</strong></p>\n";
    AppendTable(out, {"类型", "算法", "参数标识"},
                {{"不复权", "无", "空或None"}, {"前复权", "当日收盘价 × 当日复权因子 / 最新复权因子", "qfq"},
                 {"后复权", "当日收盘价 × 当日复权因子", "hfq"}});
  }
  out += "<p><strong>接口示例</strong></p>\n<pre><code class=\"language-python\">pro = ts.pro_api()\ndf = pro." +
         std::string(page.api) + "(trade_date='20180810')\n</code></pre>\n";
}

}  // namespace

std::optional<std::string> RenderDocPage(std::optional<int> doc_id, bool schema_change) {
  const Page* page = nullptr;
  if (doc_id) {
    page = FindPage(*doc_id);
    if (!page) return std::nullopt;
  }
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>Tushare数据</title></head>\n<body>\n"
      "<header><nav class=\"navbar\"><ul><li><a href=\"/document/2\">数据接口</a></li></ul></nav></header>\n"
      "<section id=\"document\" class=\"whole\"><div class=\"container\"><div class=\"document\">\n"
      "<nav class=\"sidebar col-md-3 col-sm-4 col-xs-12\"><div id=\"jstree\" class=\"jstree jstree-default\" "
      "role=\"tree\">";
  AppendTree(out, 0, page ? page->doc_id : 0);
  out += "</div></nav>\n<div class=\"content col-md-9 col-sm-8 col-xs-12\">\n<div class=\"search-panel\"><input "
         "type=\"text\" class=\"search-input\" placeholder=\"Search\"></div>\n";
  if (page) {
    AppendContent(out, *page, schema_change);
  } else {
    out += "<h2>数据接口</h2>\n<p>Tushare数据接口文档（模拟）：请从左侧目录选择数据集。</p>\n";
  }
  out += "</div>\n</div></div></section>\n<footer id=\"footer\"><div class=\"content\"><ul><li><a "
         "href=\"/document/1\">平台介绍</a></li></ul></div></footer>\n</body></html>\n";
  return out;
}

}  // namespace datasync::vendorsim
