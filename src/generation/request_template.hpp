// RequestTemplate: a request body and headers written as mustache templates (text_template.hpp) and
// rendered with one argument set, for vendors whose arguments are not simple key-value pairs (a REST API
// that wants `{"query": {"codes": ["{{ts_code}}"]}}`, a header that carries a date). The body is
// rendered with JSON escaping, so a value cannot break out of the string literal it sits in; header
// values are rendered raw but lose CR and LF, so a value cannot add a header.
// Lifecycle: Make once, Render per request. Not thread-safe (see TextTemplate); Make one per thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "generation/text_template.hpp"

namespace datasync::generation {

struct RequestTemplateSpec {
  std::string body;                                          // empty: no body
  std::vector<std::pair<std::string, std::string>> headers;  // name -> value template

  friend bool operator==(const RequestTemplateSpec&, const RequestTemplateSpec&) = default;
};

struct RenderedRequest {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class RequestTemplate {
 public:
  // kConfig for a header name that is not an HTTP token or a template that does not parse.
  static core::Result<RequestTemplate> Make(const RequestTemplateSpec& spec);
  // `extra` are further names (the api, a token reference resolved by the caller) after the params.
  RenderedRequest Render(const datasource::Params& params, const TemplateVars& extra = {}) const;

 private:
  std::optional<TextTemplate> body_;
  std::vector<std::pair<std::string, TextTemplate>> headers_;
};

}  // namespace datasync::generation
