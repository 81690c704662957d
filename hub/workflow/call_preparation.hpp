// prepare_call: readies a held call job for its call, inside the
// transaction that holds the job (the claim's, or that of the finish that
// chained into it): finds the job's step (or compensation) in the run's
// definition, records its attempt as started under the step's idempotency
// key (idempotency_key.hpp) and renders its `with` from the run's data, the
// key added to it. A job prepared so is called outside any transaction.
//
// What cannot be called is said in `p`, not in the Status: a step the
// definition lacks sets p.render_error (kInternal) and records no attempt; a
// forward step of a run being cancelled sets p.cancel and records none; a
// `with` that does not render sets p.render_error (kInvalidArgument) after
// its attempt is recorded; so does a `with` that names a provider resource
// not the run's facility's (resource_guard.hpp), with p.denied set. The
// Status is the store's error as the transaction reports it.
//
// Thread-safety: changes `p` alone; any thread may call it with its own
// transaction.
#pragma once

#include <cstdint>

#include "hub/storage/store.hpp"
#include "hub/workflow/engine_options.hpp"
#include "hub/workflow/prepared_job.hpp"
#include "hub/workflow/run_repository.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// `p` holds a call job and its loaded run; `now` is the attempt's start.
sdk::Status prepare_call(storage::Transaction& tx, RunRepository& runs,
                         const EngineOptions& options, PreparedJob& p, std::int64_t now);

}  // namespace wasl::workflow
