// Masks the PHI of a run timeline's step inputs and outputs for a role that
// does not read PHI (an integrator repairing runs), by allow-list: a value
// is shown only when it is declared not PHI where it came from, so a workflow
// that copies a patient's name, or a join token, into a member called
// anything else still shows it masked.
//
// - An output value is shown when its path is in its capability's
//   non_phi_outputs (a wait_for step's: event_non_phi_outputs).
// - An input value is shown when its path is in its capability's
//   non_phi_inputs AND everything it was built from is not PHI: a literal
//   written in the workflow file, or a reference to a path declared not PHI
//   (${steps.X.output.p} by X's capability, ${steps.X.status},
//   ${trigger.p} and ${consultation.p} by capabilities.hpp's lists). A string
//   interpolating several references is shown only when all of them are.
// - A masked value becomes "[redacted:phi]"; an object or array with nothing
//   declared below it is masked whole. A template that could not be
//   rendered (input_template) shows its references, never data, and its
//   literals only where the input path is declared not PHI.
//
// Pure and thread-safe.
#pragma once

#include "hub/workflow/language/definition.hpp"
#include "hub/workflow/run_timeline.hpp"

namespace wasl::workflow {

inline constexpr const char* kMaskedPhi = "[redacted:phi]";

// Masks every attempt of `timeline`. `definition` is the run's workflow
// version; without it (it can no longer be read) every input and output is
// masked whole.
void mask_timeline_phi(RunTimeline& timeline, const WorkflowDefinition* definition);

}  // namespace wasl::workflow
