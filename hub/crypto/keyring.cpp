#include "hub/crypto/keyring.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "hub/crypto/aead.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::crypto {

namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "wasl-keyring";
// A key file is a flat object with one array of flat key objects: far below
// both limits; anything beyond them is refused before it is parsed.
constexpr sdk::JsonBudget kKeyFileBudget{.max_bytes = std::size_t{1} << 20, .max_depth = 8};
constexpr int kKeyFileVersion = 1;

sdk::Error invalid_key_file(std::string message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, std::move(message));
}

// Overwrites a string's bytes before it is freed.
void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// Wipes the string member `name` of `object`, if there is one.
void wipe_member(json::object_t& object, std::string_view name) noexcept {
  auto it = object.find(name);
  if (it == object.end()) return;
  if (auto* text = it->second.get_ptr<std::string*>()) wipe(*text);
}

// Wipes every key-bearing string inside a parsed key file. Throws nothing,
// whatever the document holds: it reaches the strings through get_ptr and the
// standard containers only, never through json's checked accessors, so it can
// run in a destructor.
void wipe_secrets(json& doc) noexcept {
  auto* object = doc.get_ptr<json::object_t*>();
  if (object == nullptr) return;
  wipe_member(*object, "blind_index_key");
  wipe_member(*object, "audit_key");
  auto keys = object->find("data_keys");
  if (keys == object->end()) return;
  auto* entries = keys->second.get_ptr<json::array_t*>();
  if (entries == nullptr) return;
  for (json& entry : *entries) {
    if (auto* fields = entry.get_ptr<json::object_t*>()) wipe_member(*fields, "key");
  }
}

// Wipes the parsed document when it goes out of scope, whatever the path.
struct SecretJson {  // NOLINT(bugprone-exception-escape): a default json is null; it cannot throw
  json doc;
  ~SecretJson() { wipe_secrets(doc); }
};

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

sdk::Result<KeyState> parse_state(const json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s == "active") return KeyState::kActive;
    if (s == "decrypt-only") return KeyState::kDecryptOnly;
    if (s == "retired") return KeyState::kRetired;
  }
  return invalid_key_file(
      "a data key's \"state\" must be \"active\", \"decrypt-only\" or \"retired\"");
}

sdk::Result<SecretBytes> parse_key(const json& doc, const char* field, std::string_view what) {
  auto it = doc.find(field);
  if (it == doc.end() || !it->is_string()) {
    return invalid_key_file(std::string(what) + " needs \"" + field + "\": 64 hex digits");
  }
  const auto& text = it->get_ref<const std::string&>();
  if (text.size() != 2 * kAes256KeySize) {
    return invalid_key_file(std::string(what) + " \"" + field +
                            "\" must be 64 hex digits (256 bits)");
  }
  auto raw = from_hex(text);
  if (!raw.ok())
    return invalid_key_file(std::string(what) + " \"" + field + "\" is not hexadecimal");
  SecretBytes key(*raw);
  wipe(*raw);
  return key;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Today in UTC as key ids carry it: "20261125".
std::string utc_date_stamp() { return sdk::format_iso8601_basic(now_ms()).substr(0, 8); }

// The time now, for a key's created_at: "2026-11-25T10:15:00Z".
std::string utc_now_text() { return sdk::format_iso8601(now_ms(), 0, sdk::FractionDigits::kNone); }

sdk::Result<std::string> fresh_key_hex() {
  WASL_ASSIGN_OR_RETURN(std::string raw, random_bytes(kAes256KeySize));
  std::string hex = to_hex(raw);
  wipe(raw);
  return hex;
}

std::string chmod_hint(const std::filesystem::path& path) {
  return "run: chmod 600 " + path.string();
}

sdk::Error errno_error(const std::string& what, const std::filesystem::path& path, int err) {
  auto code = err == ENOENT                     ? sdk::ErrorCode::kNotFound
              : (err == EACCES || err == EPERM) ? sdk::ErrorCode::kPermissionDenied
                                                : sdk::ErrorCode::kUnavailable;
  return sdk::Error(code, what + " " + path.string() + ": " + std::strerror(err));
}

// Writes all of `text` to fd and fsyncs it.
sdk::Status write_all_and_sync(int fd, std::string_view text, const std::filesystem::path& path) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("cannot write key file", path, errno);
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) return errno_error("cannot fsync key file", path, errno);
  return sdk::ok_status();
}

void sync_directory(const std::filesystem::path& path) {
  auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Reads the key file after checking its type and mode.
sdk::Result<std::string> read_checked(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ELOOP) {
      return sdk::Error(sdk::ErrorCode::kPermissionDenied,
                        "key file " + path.string() +
                            " is a symbolic link; point the configuration at the file itself");
    }
    return errno_error("cannot open key file", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error("cannot stat key file", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return sdk::Error(sdk::ErrorCode::kPermissionDenied,
                      "key file " + path.string() + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return sdk::Error(
        sdk::ErrorCode::kPermissionDenied,
        "key file " + path.string() + " has mode " + mode +
            ", which lets group or others access it; only its owner may: " + chmod_hint(path));
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      wipe(text);
      return errno_error("cannot read key file", path, err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  OPENSSL_cleanse(buf, sizeof buf);
  ::close(fd);
  return text;
}

sdk::Status parse_document(std::string text, const std::filesystem::path& path, SecretJson& out) {
  out.doc = sdk::parse_json_within(text, kKeyFileBudget);
  wipe(text);
  if (out.doc.is_discarded()) {
    out.doc = nullptr;
    return invalid_key_file("key file " + path.string() +
                            " is not valid JSON (or larger than 1 MiB or " +
                            "nested deeper than 8 levels)");
  }
  return sdk::ok_status();
}

// Writes `doc` to `path` atomically with mode 0600.
sdk::Status write_atomically(const std::filesystem::path& path, const json& doc) {
  std::string text = doc.dump(2) + "\n";
  auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    wipe(text);
    return errno_error("cannot create a temporary key file next to", path, errno);
  }
  ::fchmod(fd, 0600);
  auto status = write_all_and_sync(fd, text, tmpl);
  wipe(text);
  ::close(fd);
  if (!status.ok()) {
    ::unlink(tmpl.c_str());
    return status;
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return errno_error("cannot replace key file", path, err);
  }
  sync_directory(path);
  return sdk::ok_status();
}

// Loads, checks and parses the key file for an in-place change.
sdk::Status load_for_update(const std::filesystem::path& path, SecretJson& doc) {
  WASL_ASSIGN_OR_RETURN(std::string text, read_checked(path));
  WASL_RETURN_IF_ERROR(parse_document(std::move(text), path, doc));
  std::string check = doc.doc.dump();
  auto parsed = Keyring::from_json(check);
  wipe(check);
  if (!parsed.ok()) {
    return sdk::Error(parsed.error().code,
                      "key file " + path.string() + ": " + parsed.error().message);
  }
  return sdk::ok_status();
}

}  // namespace

std::string_view to_string(KeyState state) {
  switch (state) {
    case KeyState::kActive: return "active";
    case KeyState::kDecryptOnly: return "decrypt-only";
    case KeyState::kRetired: return "retired";
  }
  return "retired";
}

sdk::Result<std::shared_ptr<const Keyring>> Keyring::from_json(std::string_view json_text) {
  try {
    return from_json_checked(json_text);
  } catch (const nlohmann::json::exception&) {
    return invalid_key_file("the key file has a field of the wrong JSON type");
  }
}

sdk::Result<std::shared_ptr<const Keyring>> Keyring::from_json_checked(std::string_view json_text) {
  SecretJson parsed;
  parsed.doc = sdk::parse_json_within(json_text, kKeyFileBudget);
  if (parsed.doc.is_discarded()) {
    parsed.doc = nullptr;
    return invalid_key_file(
        "the key file is not valid JSON (or larger than 1 MiB or nested deeper than " +
        std::string("8 levels)"));
  }
  const json& doc = parsed.doc;
  if (!doc.is_object()) return invalid_key_file("the key file must hold a JSON object");
  if (doc.value("format", std::string()) != kFormat) {
    return invalid_key_file("the key file needs \"format\": \"wasl-keyring\"");
  }
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() ||
      version->get<int>() != kKeyFileVersion) {
    return invalid_key_file("the key file needs \"version\": 1 (the only version this hub reads)");
  }
  auto active_it = doc.find("active_key_id");
  if (active_it == doc.end() || !active_it->is_string()) {
    return invalid_key_file(
        "the key file needs \"active_key_id\": the id of the data key that encrypts");
  }
  auto keys_it = doc.find("data_keys");
  if (keys_it == doc.end() || !keys_it->is_array() || keys_it->empty()) {
    return invalid_key_file("the key file needs \"data_keys\": a non-empty list of keys");
  }

  std::shared_ptr<Keyring> ring(new Keyring());
  ring->active_key_id_ = active_it->get<std::string>();
  std::set<std::string> ids;
  std::size_t active_count = 0;
  for (const auto& entry : *keys_it) {
    if (!entry.is_object())
      return invalid_key_file("each entry of \"data_keys\" must be an object");
    auto id_it = entry.find("id");
    if (id_it == entry.end() || !id_it->is_string() ||
        !valid_key_id(id_it->get_ref<const std::string&>())) {
      return invalid_key_file(
          "each data key needs an \"id\" of 1-64 characters from A-Z a-z 0-9 . _ -");
    }
    const auto& id = id_it->get_ref<const std::string&>();
    if (!ids.insert(id).second) return invalid_key_file("data key id " + id + " appears twice");
    auto created = entry.find("created_at");
    if (created == entry.end() || !created->is_string()) {
      return invalid_key_file("data key " + id + " needs \"created_at\" (RFC 3339 UTC time)");
    }
    auto state_it = entry.find("state");
    if (state_it == entry.end()) return invalid_key_file("data key " + id + " needs a \"state\"");
    WASL_ASSIGN_OR_RETURN(KeyState state, parse_state(*state_it));
    Entry e;
    e.info = KeyInfo{id, created->get<std::string>(), state};
    if (state == KeyState::kRetired) {
      if (entry.contains("key")) {
        return invalid_key_file("retired data key " + id + " must not keep its \"key\"");
      }
    } else {
      WASL_ASSIGN_OR_RETURN(e.key, parse_key(entry, "key", "data key " + id));
    }
    if (state == KeyState::kActive) {
      ++active_count;
      if (id != ring->active_key_id_) {
        return invalid_key_file("data key " + id +
                                " is marked active but \"active_key_id\" names " +
                                ring->active_key_id_);
      }
      ring->active_index_ = ring->entries_.size();
    }
    ring->entries_.push_back(std::move(e));
  }
  if (active_count != 1) {
    return invalid_key_file(
        "exactly one data key must have \"state\": \"active\" (the one named by "
        "\"active_key_id\")");
  }
  WASL_ASSIGN_OR_RETURN(ring->blind_index_key_, parse_key(doc, "blind_index_key", "the key file"));
  WASL_ASSIGN_OR_RETURN(ring->audit_key_, parse_key(doc, "audit_key", "the key file"));
  if (ring->blind_index_key_.view() == ring->audit_key_.view()) {
    return invalid_key_file("\"blind_index_key\" and \"audit_key\" must be different keys");
  }
  for (const auto& e : ring->entries_) {
    if (!e.key.empty() && (e.key.view() == ring->blind_index_key_.view() ||
                           e.key.view() == ring->audit_key_.view())) {
      return invalid_key_file("data key " + e.info.id +
                              " must differ from the blind index and audit keys");
    }
  }
  return std::shared_ptr<const Keyring>(std::move(ring));
}

const SecretBytes& Keyring::active_key() const { return entries_[active_index_].key; }

sdk::Result<const SecretBytes*> Keyring::decryption_key(std::string_view id) const {
  for (const auto& e : entries_) {
    if (e.info.id != id) continue;
    if (e.info.state == KeyState::kRetired) {
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                        "data key " + e.info.id + " is retired and can no longer decrypt");
    }
    return &e.key;
  }
  std::string shown = valid_key_id(id) ? std::string(id) : std::string("(malformed id)");
  return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                    "data key " + shown +
                        " is not in the key ring; restore the key file that "
                        "holds it");
}

std::vector<KeyInfo> Keyring::keys() const {
  std::vector<KeyInfo> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.info);
  return out;
}

sdk::Result<std::shared_ptr<const Keyring>> load_keyring(const std::filesystem::path& path) {
  WASL_ASSIGN_OR_RETURN(std::string text, read_checked(path));
  auto ring = Keyring::from_json(text);
  wipe(text);
  if (!ring.ok()) {
    return sdk::Error(ring.error().code, "key file " + path.string() + ": " + ring.error().message);
  }
  return ring;
}

sdk::Result<std::string> generate_key_file(const std::filesystem::path& path) {
  SecretJson doc;
  std::string id = "k1-" + utc_date_stamp();
  WASL_ASSIGN_OR_RETURN(std::string data_key, fresh_key_hex());
  WASL_ASSIGN_OR_RETURN(std::string blind_key, fresh_key_hex());
  WASL_ASSIGN_OR_RETURN(std::string audit_key, fresh_key_hex());
  doc.doc = json{
      {"format", std::string(kFormat)},
      {"version", kKeyFileVersion},
      {"active_key_id", id},
      {"data_keys",
       json::array({json{
           {"id", id}, {"created_at", utc_now_text()}, {"state", "active"}, {"key", data_key}}})},
      {"blind_index_key", blind_key},
      {"audit_key", audit_key}};
  wipe(data_key);
  wipe(blind_key);
  wipe(audit_key);
  std::string text = doc.doc.dump(2) + "\n";

  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int err = errno;
    wipe(text);
    if (err == EEXIST) {
      return sdk::Error(sdk::ErrorCode::kAlreadyExists,
                        "key file " + path.string() +
                            " already exists; refusing to overwrite it (data encrypted under "
                            "its keys would be lost). Use `wasl keys rotate` to add a key");
    }
    return errno_error("cannot create key file", path, err);
  }
  ::fchmod(fd, 0600);
  auto status = write_all_and_sync(fd, text, path);
  wipe(text);
  ::close(fd);
  if (!status.ok()) {
    ::unlink(path.c_str());
    return std::move(status).error();
  }
  sync_directory(path);
  return id;
}

sdk::Result<std::string> add_and_activate_key(const std::filesystem::path& path) {
  SecretJson doc;
  WASL_RETURN_IF_ERROR(load_for_update(path, doc));
  auto& keys = doc.doc["data_keys"];
  std::set<std::string> ids;
  for (const auto& entry : keys) ids.insert(entry["id"].get<std::string>());
  std::string date = utc_date_stamp();
  std::size_t n = keys.size() + 1;
  std::string id = "k" + std::to_string(n) + "-" + date;
  while (ids.count(id) != 0) id = "k" + std::to_string(++n) + "-" + date;

  for (auto& entry : keys) {
    if (entry["state"] == "active") entry["state"] = "decrypt-only";
  }
  WASL_ASSIGN_OR_RETURN(std::string key_hex, fresh_key_hex());
  keys.push_back(
      json{{"id", id}, {"created_at", utc_now_text()}, {"state", "active"}, {"key", key_hex}});
  wipe(key_hex);
  doc.doc["active_key_id"] = id;
  WASL_RETURN_IF_ERROR(write_atomically(path, doc.doc));
  return id;
}

sdk::Status retire_key(const std::filesystem::path& path, std::string_view id) {
  SecretJson doc;
  WASL_RETURN_IF_ERROR(load_for_update(path, doc));
  if (doc.doc["active_key_id"] == id) {
    return sdk::Error(
        sdk::ErrorCode::kFailedPrecondition,
        "data key " + std::string(id) + " is the active key and cannot be retired; rotate first");
  }
  for (auto& entry : doc.doc["data_keys"]) {
    if (entry["id"] != id) continue;
    if (entry["state"] == "retired") return sdk::ok_status();
    entry["state"] = "retired";
    wipe(entry["key"].get_ref<std::string&>());
    entry.erase("key");
    return write_atomically(path, doc.doc);
  }
  std::string shown = valid_key_id(id) ? std::string(id) : std::string("(malformed id)");
  return sdk::Error(sdk::ErrorCode::kNotFound,
                    "data key " + shown + " is not in key file " + path.string());
}

}  // namespace wasl::crypto
