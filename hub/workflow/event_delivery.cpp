#include "hub/workflow/event_delivery.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "hub/jobs/job_queue.hpp"
#include "hub/storage/plan_methods.hpp"
#include "hub/workflow/run_state.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using storage::Transaction;

namespace {

// A run deliver_all matched stopped waiting before its row was locked
// (its timeout, a cancel): the batch is delivered again, event by event,
// and that event then waits for a later wait.
Error stopped_waiting() {
  return Error(ErrorCode::kConflict,
               "a run stopped waiting while its event was delivered; delivering again", true);
}

}  // namespace

EventDelivery::EventDelivery(storage::Store& store, RunRepository& runs, EventMatcher& events,
                             Transitions& transitions, const EngineOptions& options)
    : store_(store), runs_(runs), events_(events), transitions_(transitions), options_(options) {}

Result<std::vector<Result<DeliveredEvent>>> EventDelivery::deliver_events(
    Transaction& tx, const std::vector<IncomingEvent>& events) {
  std::int64_t now = engine_now_ms(options_);
  std::vector<std::size_t> order(events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&events](std::size_t a, std::size_t b) {
    const auto& x = events[a];
    const auto& y = events[b];
    return std::tie(x.facility_id, x.type, x.correlation) <
           std::tie(y.facility_id, y.type, y.correlation);
  });
  const Result<DeliveredEvent> undelivered = Error(ErrorCode::kInternal, "not delivered", true);
  std::vector<Result<DeliveredEvent>> out(events.size(), undelivered);
  if (events.empty()) return out;
  // Rounds of events with distinct wait and dedupe keys, each delivered
  // together; a later event of a key goes in a later round, so it sees
  // what the earlier one did (a run resumed, an event stored).
  std::vector<std::vector<std::size_t>> rounds;
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> next_round_of_key;
  std::map<std::string, std::size_t> next_round_of_dedupe;
  for (std::size_t i : order) {
    const auto& e = events[i];
    auto key = std::make_tuple(e.facility_id, e.type, e.correlation);
    std::size_t round = std::max(next_round_of_key[key], next_round_of_dedupe[e.dedupe_key]);
    if (round == rounds.size()) rounds.emplace_back();
    rounds[round].push_back(i);
    next_round_of_key[key] = round + 1;
    next_round_of_dedupe[e.dedupe_key] = round + 1;
  }
  // First the whole batch under one savepoint: when every event goes
  // through (the usual case), that costs no round trip per event.
  WASL_RETURN_IF_ERROR(tx.exec("SAVEPOINT wasl_events"));
  bool all_delivered = true;
  for (const auto& round : rounds) {
    std::vector<const IncomingEvent*> together;
    together.reserve(round.size());
    for (std::size_t i : round) together.push_back(&events[i]);
    auto delivered = deliver_together(tx, together, now);
    if (!delivered.ok()) {
      all_delivered = false;
      break;
    }
    for (std::size_t k = 0; k < round.size(); ++k) out[round[k]] = std::move((*delivered)[k]);
  }
  if (all_delivered) {
    WASL_RETURN_IF_ERROR(tx.exec("RELEASE SAVEPOINT wasl_events"));
    return out;
  }
  // An event failed: nothing of the batch stays, and it is delivered
  // again with one savepoint per event, so a failed event leaves nothing
  // behind and the others go through. The release of one and the start of
  // the next are one round trip (the savepoint stays after a ROLLBACK TO).
  WASL_RETURN_IF_ERROR(
      tx.exec_script("ROLLBACK TO SAVEPOINT wasl_events; RELEASE SAVEPOINT wasl_events"));
  std::fill(out.begin(), out.end(), undelivered);
  WASL_RETURN_IF_ERROR(tx.exec("SAVEPOINT wasl_event"));
  bool first = true;
  for (std::size_t i : order) {
    if (!first) {
      WASL_RETURN_IF_ERROR(tx.exec_script("RELEASE SAVEPOINT wasl_event; SAVEPOINT wasl_event"));
    }
    first = false;
    auto delivered = deliver_together(tx, {&events[i]}, now);
    if (!delivered.ok()) {
      WASL_RETURN_IF_ERROR(tx.exec("ROLLBACK TO SAVEPOINT wasl_event"));
      out[i] = std::move(delivered).error();
    } else {
      out[i] = std::move(delivered->front());
    }
  }
  WASL_RETURN_IF_ERROR(tx.exec("RELEASE SAVEPOINT wasl_event"));
  return out;
}

// Delivers `events` (distinct wait and dedupe keys) in `tx`, a statement
// per phase for all of them; a run they wake is advanced here when no
// worker holds its job (see Engine::deliver_events).
Result<std::vector<DeliveredEvent>> EventDelivery::deliver_together(
    Transaction& tx, const std::vector<const IncomingEvent*>& events, std::int64_t now) {
  // Every statement of these phases has an index path; with statistics
  // that lag a burst of waiting runs, scans of whole tables are ruled out.
  WASL_ASSIGN_OR_RETURN(auto delivery,
                        storage::without_plan_methods(tx, store_.dialect(), {"seqscan"}, [&] {
                          return match_and_hold(tx, events, now);
                        }));
  // The waits' settled attempts, and the ends of the runs that end here,
  // are written together after them, joined to their tables by key: an
  // index path too.
  DeferredWrites deferred;
  std::vector<FacilityRun> unwritten;  // woken runs whose status no transition wrote
  for (auto& [i, p] : delivery.waits) {
    JobHolding holding{jobs::held_job(p.job), false, std::nullopt, &deferred};
    WASL_RETURN_IF_ERROR(transitions_.wait_due(tx, p, &holding, now));
    delivery.delivered[i].advanced = true;
    if (p.run.resume_unwritten) unwritten.push_back(FacilityRun{p.run.facility_id, p.run.id});
  }
  WASL_RETURN_IF_ERROR(storage::without_plan_methods(
      tx, store_.dialect(), {"seqscan"}, [&] { return write(tx, deferred, unwritten, now); }));
  return std::move(delivery.delivered);
}

// Writes what deliver_together deferred, before the next round of events
// reads the runs: the resumes no status change wrote, the settled
// attempts, the ends and the removed jobs.
Status EventDelivery::write(Transaction& tx, const DeferredWrites& deferred,
                            const std::vector<FacilityRun>& unwritten, std::int64_t now) {
  WASL_RETURN_IF_ERROR(resume(tx, unwritten, now));
  WASL_RETURN_IF_ERROR(runs_.finish_attempts(tx, deferred.attempts));
  WASL_RETURN_IF_ERROR(runs_.set_ended_all(tx, deferred.ended));
  WASL_ASSIGN_OR_RETURN(bool removed, jobs::JobQueue::remove(tx, deferred.removed));
  if (!removed) {
    return Error(ErrorCode::kConflict, "the lease on the job of a woken run was taken over", true);
  }
  return {};
}

Result<EventDelivery::Delivery> EventDelivery::match_and_hold(
    Transaction& tx, const std::vector<const IncomingEvent*>& events, std::int64_t now) {
  Delivery delivery;
  WASL_ASSIGN_OR_RETURN(delivery.delivered, events_.deliver_all(tx, events, now));
  const auto& delivered = delivery.delivered;
  std::vector<std::string> woken;
  std::map<std::string, std::size_t> event_of;  // woken run -> index in `events`
  for (std::size_t i = 0; i < delivered.size(); ++i) {
    if (delivered[i].duplicate || delivered[i].matched_run.empty()) continue;
    woken.push_back(delivered[i].matched_run);
    event_of.emplace(delivered[i].matched_run, i);
  }
  if (woken.empty()) return delivery;
  WASL_ASSIGN_OR_RETURN(auto held, jobs::JobQueue::hold_idle(tx, store_.dialect(), woken));
  std::map<std::string, jobs::ClaimedJob> job_of;
  for (auto& job : held) {
    std::string run_id = job.run_id;
    job_of.emplace(std::move(run_id), std::move(job));
  }
  std::vector<std::string> settle;   // runs whose wait is settled here
  std::vector<FacilityRun> resumed;  // the others, running again now
  for (const auto& run_id : woken) {
    auto job = job_of.find(run_id);
    if (job == job_of.end()) {
      // A worker holds the job: its wait_due finds the event matched.
      WASL_RETURN_IF_ERROR(jobs::JobQueue::wake(tx, run_id, now));
    } else if (job->second.kind != jobs::kWaitJob) {
      jobs::HeldJob holding = jobs::held_job(job->second);
      WASL_ASSIGN_OR_RETURN(bool ok, jobs::JobQueue::replace(tx, holding, job->second.kind,
                                                             job->second.payload, now));
      if (!ok) return Error(ErrorCode::kConflict, "the job of a woken run changed hands", true);
    } else {
      settle.push_back(run_id);
      continue;
    }
    resumed.push_back(FacilityRun{events[event_of.at(run_id)]->facility_id, run_id});
  }
  WASL_RETURN_IF_ERROR(resume(tx, resumed, now));
  // A settled run's resume is written with its next status change (most
  // often its end): one version of its row, not two.
  WASL_ASSIGN_OR_RETURN(auto runs, runs_.load_all(tx, settle, true));
  for (auto& run : runs) {
    if (run.status != run_status::kWaiting) return stopped_waiting();
    const std::size_t i = event_of.at(run.id);
    PreparedJob p;
    p.job = std::move(job_of.at(run.id));
    p.matched_event = events[i]->payload;
    p.run = std::move(run);
    p.run.status = run_status::kRunning;
    p.run.resume_unwritten = true;
    delivery.waits.emplace_back(i, std::move(p));
  }
  return delivery;
}

// Resumes runs deliver_all matched; each must still wait.
Status EventDelivery::resume(Transaction& tx, const std::vector<FacilityRun>& runs,
                             std::int64_t now) {
  WASL_ASSIGN_OR_RETURN(auto resumed, runs_.resume_waiting(tx, runs, now));
  if (resumed.size() != runs.size()) return stopped_waiting();
  return {};
}

}  // namespace wasl::workflow
