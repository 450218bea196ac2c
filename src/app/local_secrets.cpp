#include "app/local_secrets.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/json_text.hpp"
#include "core/secrets.hpp"

namespace datasync::app {

namespace {

// "%40" -> "@": the URL parser decodes the password before it resolves references in it, and a resolved
// value is used as it is, so the kept value is the decoded one.
std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool IsLiteral(std::string_view s) {
  return !s.empty() && !core::IsSecretReference(s);
}

}  // namespace

core::Result<std::shared_ptr<LocalSecrets>> LocalSecrets::Open(std::filesystem::path path) {
  std::shared_ptr<LocalSecrets> secrets(new LocalSecrets(path));
  std::ifstream f(path);
  if (f) {
    std::stringstream text;
    text << f.rdbuf();
    auto doc = nlohmann::json::parse(text.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return core::Fail(core::ErrorKind::kConfig, "the project's secrets file " + path.string() +
                                                      " is not a JSON object; restore it, or delete it and run "
                                                      "`datasync apply` to write it again from datasync.yaml");
    }
    for (const auto& [name, value] : doc.items()) {
      if (!value.is_string()) continue;
      secrets->values_[name] = value.get<std::string>();
      core::RegisterSecret(value.get_ref<const std::string&>());
    }
  }
  std::weak_ptr<LocalSecrets> weak = secrets;
  core::RegisterSecretScheme(
      "local",
      [weak](std::string_view name) -> core::Result<std::optional<std::string>> {
        auto self = weak.lock();
        if (!self) return std::optional<std::string>();
        return self->Get(name);
      },
      "it was written literally in datasync.yaml and lives in .datasync/secrets.json: run `datasync apply` on "
      "this machine, or write it as a ${ENV} reference");
  return secrets;
}

std::optional<std::string> LocalSecrets::Get(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string LocalSecrets::Keep(const std::string& name, const std::string& value) {
  auto [it, added] = values_.try_emplace(name, value);
  if (added || it->second != value) {
    it->second = value;
    dirty_ = true;
  }
  return "${local:" + name + "}";
}

core::Options LocalSecrets::KeepLiterals(const core::Options& options, std::span<const core::OptionSpec> specs,
                                         const std::string& prefix, bool url_passwords) {
  core::Options kept;
  for (const auto& [key, value] : options.values()) {
    const auto* text = std::get_if<std::string>(&value);
    const core::OptionSpec* spec = core::FindOption(specs, key);
    std::string name = prefix + key;
    if (text && spec && spec->type == core::OptionType::kSecret && IsLiteral(*text)) {
      kept.Set(key, Keep(name, *text));
    } else if (text && url_passwords && text->find("://") != std::string::npos) {
      // Every password form of the URL (its userinfo, ?password=, ?sslpassword=...): the first as
      // PREFIX<key>.password, any further one as PREFIX<key>.password_2, _3, ...
      std::string rewritten;
      size_t done = 0, n = 0;
      for (auto [start, length] : core::FindPasswords(*text)) {
        std::string_view pw = std::string_view(*text).substr(start, length);
        if (!IsLiteral(pw)) continue;
        std::string id = name + ".password" + (n++ ? "_" + std::to_string(n) : std::string());
        rewritten += text->substr(done, start - done) + Keep(id, PercentDecoded(pw));
        done = start + length;
      }
      kept.Set(key, n == 0 ? std::string(*text) : rewritten + text->substr(done));
    } else {
      kept.Set(key, value);
    }
  }
  return kept;
}

void LocalSecrets::TakeLiterals(Config& config, const datasource::ProviderRegistry& providers,
                                const storage::SinkRegistry& sinks) {
  std::lock_guard lock(mu_);
  for (auto& source : config.sources) {
    const datasource::ProviderInfo* info = providers.Find(source.provider);
    if (info) source.options = KeepLiterals(source.options, info->options, "sources." + source.name + ".", false);
  }
  for (auto& st : config.storages) {
    const storage::SinkInfo* info = sinks.Find(st.kind);
    st.options = KeepLiterals(st.options, info ? info->options : std::span<const core::OptionSpec>(),
                              "storages." + st.name + ".", true);
  }
}

core::Status LocalSecrets::Save() {
  std::lock_guard lock(mu_);
  if (!dirty_) return core::Ok();
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [name, value] : values_) doc[name] = value;
  std::string text = core::JsonText(doc, 2) + "\n";
  std::string tmp = path_.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return core::Fail(core::ErrorKind::kPermanent,
                      "cannot write the project's secrets file " + tmp + ": " + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path_.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return core::Fail(core::ErrorKind::kPermanent,
                      "cannot write the project's secrets file " + path_.string() + ": " + std::strerror(err));
  }
  dirty_ = false;
  return core::Ok();
}

}  // namespace datasync::app
