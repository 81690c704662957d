#include "hub/object_store/object_stores.hpp"

namespace wasl::object_store {

using sdk::Error;
using sdk::ErrorCode;

ObjectStores::ObjectStores(std::unique_ptr<ObjectStore> local) {
  stores_.emplace_back(std::string(kLocal), std::move(local));
}

sdk::Status ObjectStores::add(std::string name, std::unique_ptr<ObjectStore> store) {
  if (find(name) != nullptr) {
    return Error(ErrorCode::kAlreadyExists, "an object store named '" + name + "' already exists",
                 false);
  }
  stores_.emplace_back(std::move(name), std::move(store));
  return {};
}

sdk::Status ObjectStores::set_active(std::string_view name) {
  for (std::size_t i = 0; i < stores_.size(); ++i) {
    if (stores_[i].first == name) {
      active_ = i;
      return {};
    }
  }
  return Error(ErrorCode::kNotFound, "no object store is named '" + std::string(name) + "'", false);
}

ObjectStore* ObjectStores::find(std::string_view name) const {
  for (const auto& [n, store] : stores_) {
    if (n == name) return store.get();
  }
  return nullptr;
}

std::vector<std::string> ObjectStores::names() const {
  std::vector<std::string> out;
  out.reserve(stores_.size());
  for (const auto& entry : stores_) out.push_back(entry.first);
  return out;
}

sdk::Result<ResolvedObject> ObjectStores::resolve(std::string_view locator) const {
  for (const auto& entry : stores_) {
    if (auto key = entry.second->key_of(locator)) {
      return ResolvedObject{*entry.second, std::move(*key)};
    }
  }
  return Error(ErrorCode::kFailedPrecondition,
               "no configured object store holds '" + std::string(locator) +
                   "' (was its store removed from archive.stores?)",
               false);
}

}  // namespace wasl::object_store
