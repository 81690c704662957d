'use strict';
// Business-validation invariants as FHIRPath expressions over the incoming
// message Bundle, evaluated with the `fhirpath` package and its R4 model.
// Each holds when its expression is exactly [true]; one that is false,
// empty or fails to evaluate is broken, and the message is answered like any
// business-rule failure, with the invariant's BV- code (nphies_terms.js).
// They add to the hand-written rules of nphies_rules.js, and several check
// the same things from another side (a claim whose total is wrong breaks
// MN-0002 and BV-0001).
//
// Each expression looks at the resources of one type among the Bundle's
// entries and holds trivially when there are none, so the table applies
// to every message (a batch's claims are evaluated one claim message at a
// time).

const fhirpath = require('fhirpath');
const r4 = require('fhirpath/fhir-context/r4');

// [ERRORS key, FHIRPath expression]
const INVARIANTS = [
  ['bvClaimTotal',
    'Bundle.entry.resource.ofType(Claim).all(total.exists() and (total.value - item.net.value.sum()).abs() < 0.005)'],
  ['bvItemSequence',
    'Bundle.entry.resource.ofType(Claim).all(item.all(sequence.exists()) and item.sequence.isDistinct())'],
  // distinct(): fhirpath 5.2.2's subsetOf() is false for an input with
  // repeats, though each is a member of the other collection.
  ['bvItemLinks',
    'Bundle.entry.resource.ofType(Claim).all(item.careTeamSequence.distinct().subsetOf(careTeam.sequence) and item.diagnosisSequence.distinct().subsetOf(diagnosis.sequence))'],
  ['bvItemQuantity',
    'Bundle.entry.resource.ofType(Claim).item.all(quantity.exists() implies quantity.value > 0)'],
  ['bvCommunicationAbout',
    "Bundle.entry.resource.ofType(Communication).all(about.exists() and about.all(type = 'Claim' and identifier.value.exists()))"],
  ['bvAttachment',
    'Bundle.entry.resource.ofType(Communication).payload.content.ofType(Attachment).all(contentType.exists() and data.exists() and size.exists())'],
  ['bvNoticeCurrency',
    "Bundle.entry.resource.ofType(PaymentNotice).all(amount.currency = 'SAR')"],
  ['bvPatientIdentifier',
    'Bundle.entry.resource.ofType(Patient).all(identifier.where(system.exists() and value.exists()).exists())'],
];

const compiled = INVARIANTS.map(([key, expression]) => ({ key, expression, evaluate: fhirpath.compile(expression, r4) }));

// The ERRORS keys of the invariants `bundle` breaks, in table order.
function invariantErrors(bundle) {
  return compiled.filter(({ evaluate }) => {
    try {
      const result = evaluate(bundle);
      return !(result.length === 1 && result[0] === true);
    } catch {
      return true;
    }
  }).map(({ key }) => key);
}

module.exports = { INVARIANTS, invariantErrors };
