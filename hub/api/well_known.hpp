// GET /.well-known/jwks.json: the public keys the hub signs with, for EHRs and
// identity providers that register a client by its JWKS URL (RFC 7517 JWK
// Set; public members only). The set is the union of every loaded EHR
// instance's keys (sdk::EhrConnector::public_keys: a SMART client assertion
// key, and the previous one while a rotation overlaps) and the keys app adds
// (the sign-in providers' private_key_jwt client keys). It is built at start
// and on reload, never per request: the route answers the last built set.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::api {

// The keys one signer publishes: "ehr.epic-main", "signin provider hospital".
struct KeySource {
  std::string owner;
  sdk::PublicKeySet keys;
};

// Why a key was left out: the source it came from and one sentence naming
// the owners and the kid (never key material).
struct KeyProblem {
  std::string owner;
  std::string message;
};

// A merged set, and what was left out of it.
struct JwksBuild {
  sdk::PublicKeySet set;
  std::vector<KeyProblem> problems;
};

// The union of `sources`, in order, each kid once: a key whose kid an
// earlier source already published with other material is left out as a
// problem (a verifier would pick either at random); the same key published
// twice is kept once. A key with no kid, or without the members its kty
// needs (n and e; crv, x and y), is left out as a problem too.
JwksBuild merge_key_sets(const std::vector<KeySource>& sources);

// Every loaded instance with the ehr capability, by name: its public_keys().
// An instance that fails to answer adds a problem and no key.
std::vector<KeySource> ehr_key_sources(const plugin_host::PluginHost& plugins,
                                       std::vector<KeyProblem>& problems);

// The public halves of the sign-in providers' private_key_jwt client keys
// (signin.providers.<name>.client_key), owner "signin.providers.<name>". A
// key that cannot be read adds a problem and no key.
std::vector<KeySource> signin_key_sources(const config::Config& config,
                                          std::vector<KeyProblem>& problems);

// The set to publish: ehr_key_sources(plugins), then `more` (the sign-in
// providers' keys), merged; every problem of both steps.
JwksBuild build_jwks(const plugin_host::PluginHost& plugins, const std::vector<KeySource>& more);

// "file:line: message" for `problem`: the line of the instance or sign-in
// provider it names in `config` (the file alone when it names none).
std::string located(const config::Config& config, const KeyProblem& problem);

// The document the route serves. Thread-safe: replace() from start or a
// reload while requests read.
class JwksPublisher {
 public:
  JwksPublisher();
  // Publishes `set` from now on.
  void replace(const sdk::PublicKeySet& set);
  // The current JWK Set as JSON text ({"keys":[]} before the first replace).
  std::shared_ptr<const std::string> document() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> document_;
};

// GET /.well-known/jwks.json (RouteAuth kNone): context.jwks's document as
// application/jwk-set+json with Cache-Control max-age=300; an empty set when
// context.jwks is null.
void add_well_known_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
