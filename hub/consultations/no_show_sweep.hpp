// NoShowSweep: tells a consultation's run that its patient did not come.
//
// A consultation is due when its room is open (status waiting_room, the
// status the consultation workflow sets with the room), its patient's
// arrival is not settled yet, and its facility's no_show_after
// (facilities.<id>.no_show_after, default 15 min) has passed since the later
// of its scheduled start and its room's opening — a room opened late, or a
// consultation without a start, gives the patient the whole delay from the
// opening. Moving the scheduled start (an EHR reschedule) moves the deadline:
// it is read anew on every pass.
//
// Each pass, per configured facility and in one transaction, it delivers
// every due consultation's verdict through workflow::Engine::deliver_events
// and records the consultation as settled
// (records::ConsultationStore::settle_arrival), so the verdict and the mark
// commit together:
//   type "patient.arrival", correlation = the consultation id,
//   dedupe_key "patient.arrival/<facility id>/<consultation id>"
//   (patient_arrival_dedupe_key), payload the sdk::Event JSON form
//   {type, resource_id: consultation id, occurred_at_ms: the deadline,
//    dedupe_key, payload: {"outcome": "absent"}}.
// The attendance feature delivers "joined" under the same key when it
// records the patient's first join, so whichever is stored first wins: a
// verdict after a join is a duplicate (the consultation is settled all the
// same) and a join after the verdict changes nothing. The run's
// `wait_for: patient.arrival` takes the event, or finds it stored when it
// starts later.
//
// Restarts and several hubs: the pass keeps no state of its own; what is due
// is read from the database each time, and two hubs delivering the same
// verdict store it once (the dedupe key). A verdict whose delivery fails
// (its savepoint rolled back) is not settled and is delivered again next
// pass.
//
// Thread-safety: run_once() from one thread at a time (the runner's own
// thread after start()). The Store, Config, Engine and Metrics must outlive
// it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/jobs/periodic_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/engine.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::consultations {

inline constexpr const char* kPatientArrival = "patient.arrival";

// "patient.arrival/<facility id>/<consultation id>": the one key of both
// outcomes of a consultation's patient.arrival event.
std::string patient_arrival_dedupe_key(const std::string& facility_id,
                                       const std::string& consultation_id);

struct NoShowSweepOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  // Consultations settled per facility and pass at most (oldest deadline
  // first); the rest wait for the next pass.
  int batch = 200;
  // Wall clock; unset = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

struct NoShowPass {
  std::int64_t due = 0;         // consultations past their deadline, not settled
  std::int64_t absent = 0;      // "absent" verdicts stored (new events)
  std::int64_t duplicates = 0;  // the patient's arrival was already stored (joined first)
  std::int64_t errors = 0;      // deliveries or facilities that failed (logged)
};

class NoShowSweep {
 public:
  // `metrics` may be null.
  NoShowSweep(storage::Store& store, const config::Config& config, workflow::Engine& engine,
              observability::Metrics* metrics, NoShowSweepOptions options = {});
  ~NoShowSweep();
  NoShowSweep(const NoShowSweep&) = delete;
  NoShowSweep& operator=(const NoShowSweep&) = delete;

  // One pass over every configured facility. A facility whose transaction
  // fails is logged and counted; the others go on. Errors: none (the pass's
  // counts say what failed).
  NoShowPass run_once();

  // run_once() now and every options.interval, on a thread of its own.
  sdk::Status start();
  void stop();

 private:
  sdk::Result<NoShowPass> sweep_facility(const config::FacilityConfig& facility,
                                         std::int64_t now_ms);
  std::int64_t now_ms() const;

  storage::Store& store_;
  const config::Config& config_;
  workflow::Engine& engine_;
  observability::Metrics* metrics_;
  NoShowSweepOptions options_;
  std::unique_ptr<jobs::PeriodicRunner> runner_;
};

}  // namespace wasl::consultations
