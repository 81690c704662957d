// Authorship: who a request writes a note or a prescription as, and whether
// a caller is the author of one (the only one who may change or sign a
// draft).
#pragma once

#include "hub/access/principal.hpp"
#include "hub/clinical/clinical_note.hpp"

namespace wasl::clinical {

// The principal as an author: its audit actor and its practitioner.
Author author_of(const access::Principal& principal);

// Whether `principal` wrote what `author` names: the same practitioner when
// both name one (another key or a signed-in person of the same clinician),
// else the same audit actor.
bool is_author(const Author& author, const access::Principal& principal);

}  // namespace wasl::clinical
