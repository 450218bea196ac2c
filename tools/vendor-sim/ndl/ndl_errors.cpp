#include "ndl/ndl_errors.hpp"

#include "json_writer.hpp"

namespace datasync::vendorsim::ndl {

const std::vector<ErrorCode>& ErrorCodes() {
  // Codes and statuses of the L, A, S08, S06, 202 rows come from the vendor's published table (the issue's
  // wire facts); the rest of the numbering and every message are modelled on the service's wording [sim].
  static const std::vector<ErrorCode> kCodes{
      {"QELx01", 429,
       "You have exceeded the anonymous user limit of 50 calls per day. To make more calls today, please register "
       "for a free Nasdaq Data Link account and then include your API key with your requests."},
      {"QELx02", 429, "You have exceeded your daily call limit as a registered user. Please try again tomorrow."},
      {"QELx03", 429, "You have exceeded your daily call limit as a subscriber. Please try again tomorrow."},
      {"QELx04", 429, "You have exceeded the API speed limit. Please slow down your requests."},
      {"QELx05", 429, "You have exceeded the API speed limit as a subscriber. Please slow down your requests."},
      {"QELx06", 422, "You have requested too many rows of data. Please narrow your request or page with cursors."},
      {"QELx07", 414, "Your request query parameters are too long. Please send the parameters as a JSON body (POST)."},
      {"QELx08", 413, "The amount of data you are trying to return is too large. You need to narrow your request."},
      {"QEAx01", 400, "We could not recognize your API key. Please check your API key and try again."},
      {"QEAx07", 202, "Your request is being prepared. Please try again in 30 seconds."},
      {"QEPx01", 403,
       "You do not have permission to view this data. Please log in or sign up for a free account to obtain an API "
       "key."},
      {"QEPx02", 403, "You do not have permission to view this data. Please subscribe to get access."},
      {"QEPx04", 403, "You do not have permission to view this data. Your subscription does not include it."},
      {"QESx02", 400, "You have submitted an invalid value for a parameter. Please check your request and try again."},
      {"QESx03", 400, "You have submitted an unknown parameter. Please check your request and try again."},
      {"QESx06", 400,
       "You have submitted an invalid cursor_id, or it has expired. Please start again from the first page."},
      {"QESx08", 422, "You cannot filter on this column. Please filter only on the table's filterable columns."},
      {"QESx09", 400, "You have requested a column that does not exist in this table."},
      {"QESx10", 400, "This parameter is not supported for this request."},
      {"QECx01", 404, "You have submitted an incorrect table code. Please check the table code and try again."},
      {"QECx02", 404, "You have submitted an incorrect Quandl code. Please check your Quandl codes and try again."},
      {"QECx03", 404, "The resource you requested could not be found. Please check the URL and try again."},
      {"QEMx01", 500,
       "Something went wrong. Please try again. If you continue to have problems, please contact us at "
       "connect@data.nasdaq.com."},
      {"QEXx01", 503, "The service is temporarily unavailable. Please try again in a few minutes."},
      {"QEXx02", 502, "The service could not complete your request. Please try again in a few minutes."},
  };
  return kCodes;
}

std::optional<ErrorCode> FindErrorCode(std::string_view code) {
  for (const ErrorCode& c : ErrorCodes()) {
    if (c.code == code) return c;
  }
  return std::nullopt;
}

NdlError MakeError(std::string_view code) {
  const std::optional<ErrorCode> c = FindErrorCode(code);
  return NdlError{std::string(code), c ? c->status : 500, c ? std::string(c->message) : std::string(), std::nullopt};
}

NdlError MakeError(std::string_view code, std::string message) {
  NdlError e = MakeError(code);
  e.message = std::move(message);
  return e;
}

std::string ErrorBody(const NdlError& error) {
  std::string out;
  JsonWriter w(out, JsonStyle::kCompact);
  w.Raw("{\"quandl_error\":{\"code\":");
  w.String(error.code);
  w.Raw(",\"message\":");
  w.String(error.message);
  w.Raw("}}");
  return out;
}

}  // namespace datasync::vendorsim::ndl
