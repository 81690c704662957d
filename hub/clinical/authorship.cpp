#include "hub/clinical/authorship.hpp"

namespace wasl::clinical {

Author author_of(const access::Principal& principal) {
  return Author{principal.actor(), principal.practitioner};
}

bool is_author(const Author& author, const access::Principal& principal) {
  if (author.practitioner && principal.practitioner) {
    return *author.practitioner == *principal.practitioner;
  }
  return author.actor == principal.actor();
}

}  // namespace wasl::clinical
