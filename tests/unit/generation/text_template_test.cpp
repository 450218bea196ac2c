// Mustache rendering for `format` sources and request templates: escaping per destination, sections,
// missing names, syntax errors, and values that try to break out of where they are put.
#include "generation/text_template.hpp"

#include <gtest/gtest.h>

#include "generation/request_template.hpp"

namespace datasync::generation {
namespace {

std::string Render(const std::string& text, const TemplateVars& vars, Escape escape = Escape::kNone) {
  auto t = TextTemplate::Parse(text, escape);
  EXPECT_TRUE(t) << t.error().ToString();
  return t ? t->Render(vars) : "";
}

TEST(TextTemplateTest, VariablesSectionsAndMissingNames) {
  EXPECT_EQ(Render("{{code}}.{{board}}", {{"code", "000001"}, {"board", "SZ"}}), "000001.SZ");
  EXPECT_EQ(Render("[{{missing}}]", {}), "[]");
  EXPECT_EQ(Render("{{#adj}}adj={{adj}}{{/adj}}{{^adj}}raw{{/adj}}", {{"adj", "qfq"}}), "adj=qfq");
  EXPECT_EQ(Render("{{#adj}}adj={{adj}}{{/adj}}{{^adj}}raw{{/adj}}", {{"adj", ""}}), "raw");
  EXPECT_EQ(Render("{{! a comment }}x", {}), "x");
  EXPECT_EQ(Render("平安{{name}}", {{"name", "银行"}}), "平安银行");
}

TEST(TextTemplateTest, EscapingFollowsTheDestination) {
  TemplateVars hostile = {{"v", "a\"b\\c\n</x>&'"}};
  EXPECT_EQ(Render("{{v}}", hostile, Escape::kNone), "a\"b\\c\n</x>&'");
  EXPECT_EQ(Render("{\"q\":\"{{v}}\"}", hostile, Escape::kJson), "{\"q\":\"a\\\"b\\\\c\\n</x>&'\"}");
  EXPECT_EQ(Render("q={{v}}", {{"v", "a b&c=d/é"}}, Escape::kUrl), "q=a%20b%26c%3Dd%2F%C3%A9");
  // Triple braces opt out of escaping, as mustache specifies.
  EXPECT_EQ(Render("{{{v}}}", {{"v", "\"x\""}}, Escape::kJson), "\"x\"");
  EXPECT_EQ(EscapeJson(std::string("\x01", 1)), "\\u0001");
}

TEST(TextTemplateTest, SyntaxErrorsAndNames) {
  auto bad = TextTemplate::Parse("{{#open}} no close", Escape::kNone);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), core::ErrorKind::kConfig);
  EXPECT_NE(bad.error().message().find("{{#open}} no close"), std::string::npos);
  auto unclosed = TextTemplate::Parse("{{name", Escape::kNone);
  ASSERT_FALSE(unclosed);
  // A value must never become a template: no partials, no delimiter changes.
  auto partial = TextTemplate::Parse("{{>ts_code}}", Escape::kNone);
  ASSERT_FALSE(partial);
  EXPECT_NE(partial.error().message().find("partials ({{>name}}) and delimiter changes"), std::string::npos);
  EXPECT_FALSE(TextTemplate::Parse("{{=<% %>=}}<%x%>", Escape::kNone));
  EXPECT_EQ(Render("{{v}}", {{"v", "{{#x}}{{>y}}{{z}}"}}), "{{#x}}{{>y}}{{z}}");
  auto t = TextTemplate::Parse("{{a}} {{{b}}} {{&c}} {{#d}}{{e}}{{/d}} {{^f}}{{/f}} {{!g}} {{a}}", Escape::kNone);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->names(), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
}

TEST(RequestTemplateTest, BodyIsJsonEscapedAndHeadersCannotBeInjected) {
  RequestTemplateSpec spec;
  spec.body = R"({"query":{"codes":["{{ts_code}}"],"day":"{{trade_date}}"},"api":"{{api}}"})";
  spec.headers = {{"X-Trade-Date", "{{trade_date}}"}, {"X-Code", "{{ts_code}}"}};
  auto t = RequestTemplate::Make(spec);
  ASSERT_TRUE(t) << t.error().ToString();
  auto r = t->Render({{"ts_code", "600000.SH\"],\"x\":[\""}, {"trade_date", "20240102\r\nX-Evil: 1"}},
                     {{"api", "daily"}});
  EXPECT_EQ(r.body, R"({"query":{"codes":["600000.SH\"],\"x\":[\""],"day":"20240102\r\nX-Evil: 1"},"api":"daily"})");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"X-Trade-Date", "20240102  X-Evil: 1"}));

  RequestTemplateSpec bad_name;
  bad_name.headers = {{"X Bad", "1"}};
  auto refused = RequestTemplate::Make(bad_name);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "request header 'X Bad' is not a valid header name");
}

}  // namespace
}  // namespace datasync::generation
