#include "generation/request_template.hpp"

namespace datasync::generation {

namespace {

// RFC 9110 token characters.
bool IsHeaderName(const std::string& name) {
  if (name.empty()) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

core::Result<RequestTemplate> RequestTemplate::Make(const RequestTemplateSpec& spec) {
  RequestTemplate t;
  if (!spec.body.empty()) {
    auto body = TextTemplate::Parse(spec.body, Escape::kJson);
    if (!body) return core::Fail(core::ErrorKind::kConfig, "request body: " + body.error().message());
    t.body_ = std::move(*body);
  }
  for (const auto& [name, value] : spec.headers) {
    if (!IsHeaderName(name)) {
      return core::Fail(core::ErrorKind::kConfig, "request header '" + name + "' is not a valid header name");
    }
    auto v = TextTemplate::Parse(value, Escape::kNone);
    if (!v) return core::Fail(core::ErrorKind::kConfig, "request header '" + name + "': " + v.error().message());
    t.headers_.emplace_back(name, std::move(*v));
  }
  return t;
}

RenderedRequest RequestTemplate::Render(const datasource::Params& params, const TemplateVars& extra) const {
  TemplateVars vars(params.begin(), params.end());
  vars.insert(vars.end(), extra.begin(), extra.end());
  RenderedRequest out;
  if (body_) out.body = body_->Render(vars);
  for (const auto& [name, tmpl] : headers_) {
    std::string value = tmpl.Render(vars);
    for (char& c : value) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    out.headers.emplace_back(name, std::move(value));
  }
  return out;
}

}  // namespace datasync::generation
