// ObjectStores: the object stores of a deployment. One is active: new
// recordings (and re-encrypted ones) go there. Every configured store stays
// readable through resolve(), so rows written before a move to another
// store keep working; the local store (archive.root) is always one of them.
//
// Built once at start-up (add, set_active), then only read: thread-safe
// from then on, as the stores themselves are.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/object_store/object_store.hpp"

namespace wasl::object_store {

// A locator taken apart: the store that holds it and the key there.
struct ResolvedObject {
  ObjectStore& store;
  std::string key;
};

class ObjectStores {
 public:
  // The name of the local store, always present.
  static constexpr std::string_view kLocal = "local";

  // `local` is the store named "local", active until set_active() says otherwise.
  explicit ObjectStores(std::unique_ptr<ObjectStore> local);

  // Adds a store under `name`; kAlreadyExists when the name is taken.
  sdk::Status add(std::string name, std::unique_ptr<ObjectStore> store);
  // Makes `name` the active store; kNotFound when no store has that name.
  sdk::Status set_active(std::string_view name);

  ObjectStore& active() const { return *stores_[active_].second; }
  std::string_view active_name() const { return stores_[active_].first; }
  ObjectStore& local() const { return *stores_.front().second; }
  // The store named `name`, or null.
  ObjectStore* find(std::string_view name) const;
  // Every store's name, the local one first, then in the order added.
  std::vector<std::string> names() const;

  // The store whose locator `locator` is, and its key there.
  // kFailedPrecondition when no configured store has it (a store was
  // removed from the configuration while rows still name it).
  sdk::Result<ResolvedObject> resolve(std::string_view locator) const;

 private:
  std::vector<std::pair<std::string, std::unique_ptr<ObjectStore>>> stores_;
  std::size_t active_ = 0;
};

}  // namespace wasl::object_store
