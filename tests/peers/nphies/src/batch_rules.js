'use strict';
// What makes a batch-request unusable, beyond the envelope every message
// has: it carries 1..200 entries after its MessageHeader, each a complete
// claim-request message Bundle (its own envelope as a claim-request, from
// the batch's sender to the batch's receiver), and each of those Claims
// carries the batch extensions: extension-batch-identifier
// (valueIdentifier, the same in every Claim), extension-batch-number
// (valuePositiveInt, 1..count, each once) and extension-batch-count
// (valuePositiveInt, the number of claims). Broken: 400 with an
// OperationOutcome whose issues carry the BT- codes; nothing is stored.

const { Message } = require('./message');
const { envelopeIssues } = require('./nphies_rules');
const { ERRORS, ADJUDICATION_ERROR, EXTENSION, MAX_BATCH_CLAIMS } = require('./nphies_terms');

function issue(key, code, text, expression) {
  const [btCode, display] = ERRORS[key];
  return {
    severity: 'error', code,
    details: { coding: [{ system: ADJUDICATION_ERROR, code: btCode, display }], text },
    expression: expression ? [expression] : undefined,
  };
}

// The claim-request Bundles a batch-request carries (every entry after its
// MessageHeader).
function batchEntries(message) {
  return message.entries.slice(1).map((e) => e && e.resource);
}

// The issue of a batch with no claims or more than MAX_BATCH_CLAIMS, or
// null: cheap enough to check before anything else is read.
function batchSizeIssue(message) {
  const count = batchEntries(message).length;
  if (count >= 1 && count <= MAX_BATCH_CLAIMS) return null;
  return issue('batchSize', 'too-costly', `a batch-request carries 1 to ${MAX_BATCH_CLAIMS} claim-request messages; this one carries ${count}`, 'Bundle.entry');
}

function extensionValue(resource, url, type) {
  const found = (resource.extension || []).find((e) => e.url === url);
  return found ? found[type] : undefined;
}

// Every issue of the entries and the batch extensions of `message` (a
// batch-request past the size check and its own envelope).
function batchIssues(message) {
  const out = [];
  const claims = [];
  batchEntries(message).forEach((bundle, i) => {
    const where = `Bundle.entry[${i + 1}].resource`;
    if (!bundle || bundle.resourceType !== 'Bundle') {
      out.push(issue('batchEntry', 'invalid', `${where} is not a claim-request message Bundle`, where));
      return;
    }
    const inner = new Message(bundle);
    const problems = envelopeIssues(inner, { maxIssues: 5 }).map((p) => p.details.text);
    if (inner.event !== 'claim-request') problems.push(`its event is ${inner.event || '(none)'}, not claim-request`);
    const s = message.sender;
    const r = message.receiver;
    if (inner.sender.value !== s.value || inner.receiver.value !== r.value || inner.receiver.system !== r.system) {
      problems.push('its sender and receiver are not the batch\'s');
    }
    if (problems.length) {
      out.push(issue('batchEntry', 'invalid', `${where}: ${problems.join('; ')}`, where));
      return;
    }
    claims.push({ claim: inner.focal, where });
  });
  if (out.length) return out;
  const count = claims.length;
  const identifiers = new Set();
  const numbers = new Set();
  for (const { claim, where } of claims) {
    const id = extensionValue(claim, EXTENSION.batchIdentifier, 'valueIdentifier');
    const number = extensionValue(claim, EXTENSION.batchNumber, 'valuePositiveInt');
    const total = extensionValue(claim, EXTENSION.batchCount, 'valuePositiveInt');
    const wrong = [];
    if (!id || !id.value) wrong.push('no extension-batch-identifier (valueIdentifier)');
    else identifiers.add(`${id.system || ''}|${id.value}`);
    if (!Number.isInteger(number) || number < 1 || number > count) wrong.push(`extension-batch-number must be 1..${count}`);
    else if (numbers.has(number)) wrong.push(`extension-batch-number ${number} is given twice`);
    else numbers.add(number);
    if (total !== count) wrong.push(`extension-batch-count must be ${count}, the number of claims in the batch`);
    if (wrong.length) out.push(issue('batchExtensions', 'invalid', `${where} Claim: ${wrong.join('; ')}`, `${where}.entry.resource.extension`));
  }
  if (identifiers.size > 1) {
    out.push(issue('batchExtensions', 'invalid', 'every Claim of a batch carries the same extension-batch-identifier', 'Bundle.entry'));
  }
  return out;
}

// The batch identifier (system|value) the Claims of a valid batch share.
function batchIdentifier(message) {
  const claim = new Message(batchEntries(message)[0]).focal;
  const id = extensionValue(claim, EXTENSION.batchIdentifier, 'valueIdentifier');
  return { system: id.system, value: id.value };
}

module.exports = { batchEntries, batchSizeIssue, batchIssues, batchIdentifier };
