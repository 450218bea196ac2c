#include "alerting/message_template.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace datasync::alerting {
namespace {

TemplateData Data() {
  return {{"title", "run 3 \"failed\"\nbadly"},
          {"empty", ""},
          {"alerts", TemplateValue::List({{{"plan", "a"}, {"last", ""}}, {{"plan", "b\\c"}, {"last", "true"}}})}};
}

TEST(MessageTemplateTest, JsonEscapingKeepsTheDocumentValid) {
  auto t = MessageTemplate::Parse(
      R"({"t":"{{title}}","plans":[{{#alerts}}"{{plan}}"{{^last}},{{/last}}{{/alerts}}],"e":"{{empty}}{{missing}}"})",
      TemplateEscape::kJson);
  ASSERT_TRUE(t) << t.error().message();
  std::string out = t->Render(Data());
  auto doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc["t"], "run 3 \"failed\"\nbadly");
  EXPECT_EQ(doc["plans"], nlohmann::json::parse(R"(["a","b\\c"])"));
  EXPECT_EQ(doc["e"], "");
}

TEST(MessageTemplateTest, SectionsInvertedRawAndComments) {
  auto t = MessageTemplate::Parse("{{! a comment }}[{{#title}}has title{{/title}}|{{^empty}}no text{{/empty}}|"
                                  "{{#empty}}never{{/empty}}|{{{title}}}|{{& title}}]",
                                  TemplateEscape::kJson);
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->Render(Data()), "[has title|no text||run 3 \"failed\"\nbadly|run 3 \"failed\"\nbadly]");
  auto plain = MessageTemplate::Parse("{{title}}", TemplateEscape::kNone);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->Render(Data()), "run 3 \"failed\"\nbadly");
}

TEST(MessageTemplateTest, SyntaxErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"a\n{{title", "line 2: unclosed tag"},
      {"{{#alerts}}x", "line 1: section 'alerts' is never closed"},
      {"{{#a}}\n{{/b}}", "line 2: '{{/b}}' closes section 'a' opened on line 1"},
      {"{{/a}}", "closes no section"},
      {"{{> partial}}", "partials and delimiter changes are not supported"},
      {"{{a.b}}", "does not name a value"},
      {"{{}}", "empty tag"},
  };
  for (const auto& c : cases) {
    auto t = MessageTemplate::Parse(c.text, TemplateEscape::kNone);
    ASSERT_FALSE(t) << c.text;
    EXPECT_NE(t.error().message().find(c.message), std::string::npos) << c.text << ": " << t.error().message();
  }
}

}  // namespace
}  // namespace datasync::alerting
