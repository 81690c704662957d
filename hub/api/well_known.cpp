#include "hub/api/well_known.hpp"

#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "hub/api/authorization.hpp"
#include "hub/signin/jose.hpp"

namespace wasl::api {

namespace {

// Why `key` cannot be published, or "" when it can.
std::string incomplete(const sdk::PublicJwk& key) {
  if (key.kid.empty()) return "has no kid";
  if (key.kty == "RSA") return key.n.empty() || key.e.empty() ? "is an RSA key without n or e" : "";
  if (key.kty == "EC") {
    return key.crv.empty() || key.x.empty() || key.y.empty() ? "is an EC key without crv, x or y"
                                                             : "";
  }
  return "has the key type '" + key.kty + "' (RSA or EC expected)";
}

bool same_material(const sdk::PublicJwk& a, const sdk::PublicJwk& b) {
  return a.kty == b.kty && a.n == b.n && a.e == b.e && a.crv == b.crv && a.x == b.x && a.y == b.y;
}

std::string text_of(const sdk::PublicKeySet& set) { return nlohmann::json(set).dump(); }

}  // namespace

JwksBuild merge_key_sets(const std::vector<KeySource>& sources) {
  JwksBuild out;
  // kid -> (owner, index in out.set.keys)
  std::map<std::string, std::pair<std::string, std::size_t>> taken;
  for (const KeySource& source : sources) {
    for (const sdk::PublicJwk& key : source.keys.keys) {
      if (std::string why = incomplete(key); !why.empty()) {
        out.problems.push_back({source.owner, source.owner + " publishes a key that " + why +
                                                  "; it is left out of /.well-known/jwks.json"});
        continue;
      }
      auto found = taken.find(key.kid);
      if (found != taken.end()) {
        if (same_material(out.set.keys[found->second.second], key)) continue;
        out.problems.push_back(
            {source.owner, source.owner + " publishes a key with kid '" + key.kid + "', which " +
                               found->second.first +
                               " already publishes for another key; it is left out of "
                               "/.well-known/jwks.json (give each key its own kid)"});
        continue;
      }
      sdk::PublicJwk published = key;
      published.use = "sig";  // the hub publishes signing keys only
      taken.emplace(key.kid, std::make_pair(source.owner, out.set.keys.size()));
      out.set.keys.push_back(std::move(published));
    }
  }
  return out;
}

std::vector<KeySource> ehr_key_sources(const plugin_host::PluginHost& plugins,
                                       std::vector<KeyProblem>& problems) {
  std::vector<KeySource> sources;
  for (const plugin_host::InstanceStatus& status : plugins.instances()) {
    if (!status.loaded) continue;
    auto instance = plugins.instance(status.name);
    if (!instance.ok() || !(*instance)->library().has_capability("ehr")) continue;
    auto ehr = plugins.ehr(status.name);
    if (!ehr.ok()) continue;
    auto keys = (*ehr)->public_keys();
    if (!keys.ok()) {
      problems.push_back(
          {status.name, status.name + " did not answer its public keys: " + keys.error().message});
      continue;
    }
    if (!keys->keys.empty()) sources.push_back({status.name, std::move(keys).value()});
  }
  return sources;
}

std::vector<KeySource> signin_key_sources(const config::Config& config,
                                          std::vector<KeyProblem>& problems) {
  std::vector<KeySource> sources;
  if (!config.signin) return sources;
  for (const auto& [name, provider] : config.signin->providers) {
    if (provider.client_key.reveal().empty()) continue;
    const std::string owner = "signin.providers." + name;
    auto key = signin::SigningKey::from_pem(provider.client_key.reveal(), provider.client_key_id);
    if (!key.ok()) {
      problems.push_back(
          {owner, owner + ".client_key cannot be published: " + key.error().message});
      continue;
    }
    sources.push_back({owner, sdk::PublicKeySet{{key->public_jwk()}}});
  }
  return sources;
}

JwksBuild build_jwks(const plugin_host::PluginHost& plugins, const std::vector<KeySource>& more) {
  std::vector<KeyProblem> problems;
  std::vector<KeySource> sources = ehr_key_sources(plugins, problems);
  sources.insert(sources.end(), more.begin(), more.end());
  JwksBuild built = merge_key_sets(sources);
  built.problems.insert(built.problems.begin(), problems.begin(), problems.end());
  return built;
}

std::string located(const config::Config& config, const KeyProblem& problem) {
  auto instance = config.instances.find(problem.owner);
  std::string where = config.source_file;
  constexpr std::string_view kProvider = "signin.providers.";
  if (instance != config.instances.end()) {
    where += ":" + std::to_string(instance->second.line) + ": instances." + problem.owner;
  } else if (config.signin && problem.owner.starts_with(kProvider)) {
    auto provider = config.signin->providers.find(problem.owner.substr(kProvider.size()));
    if (provider != config.signin->providers.end()) {
      where += ":" + std::to_string(provider->second.line) + ": " + problem.owner;
    }
  }
  return where + ": " + problem.message;
}

JwksPublisher::JwksPublisher() : document_(std::make_shared<const std::string>(R"({"keys":[]})")) {}

void JwksPublisher::replace(const sdk::PublicKeySet& set) {
  auto document = std::make_shared<const std::string>(text_of(set));
  std::lock_guard lock(mutex_);
  document_ = std::move(document);
}

std::shared_ptr<const std::string> JwksPublisher::document() const {
  std::lock_guard lock(mutex_);
  return document_;
}

void add_well_known_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/.well-known/jwks.json",
      [&context](http::Request&, const access::Principal&) {
        std::string body =
            context.jwks != nullptr ? *context.jwks->document() : std::string(R"({"keys":[]})");
        http::Response response = http::Response::json(200, std::move(body));
        response.set_header("Content-Type", "application/jwk-set+json");
        response.set_header("Cache-Control", "max-age=300");
        return response;
      },
      route_options("The public keys the hub signs with (JWK Set), for EHRs and identity "
                    "providers that register a client by its JWKS URL."));
}

}  // namespace wasl::api
