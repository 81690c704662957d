'use strict';
// The business rules of a provider's `communication` (its answer to a
// communication-request, or an unsolicited one), beyond those of every
// message (nphies_rules.js): what it is about, what it answers, its status,
// its attachments and its size. Broken: the payer's acknowledgement says
// fatal-error with the rules' CM- codes (nphies_terms.js).

const { LICENSE, ATTACHMENT_MAGIC, MAX_MESSAGE_BYTES } = require('./nphies_terms');
const { licenceOf, checkPatient } = require('./nphies_rules');

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// "system|value" of a Reference's logical identifier, or undefined.
function identifierKey(ref) {
  const id = ref && ref.identifier;
  return id && id.value ? `${id.system || ''}|${id.value}` : undefined;
}

// The payload entries of `communication` that are attachments.
function attachmentsOf(communication) {
  return (Array.isArray(communication.payload) ? communication.payload : [])
    .filter((p) => p && p.contentAttachment).map((p) => p.contentAttachment);
}

// The rules one attachment breaks (ERRORS keys): its type, its data (base64
// decoding to exactly `size` bytes) and the data's first bytes.
function attachmentErrors(attachment) {
  const magic = ATTACHMENT_MAGIC[attachment.contentType];
  if (!magic) return ['attachmentType'];
  const data = attachment.data;
  if (typeof data !== 'string' || data.length === 0 || data.length % 4 !== 0 || !BASE64.test(data)) return ['attachmentSize'];
  const bytes = Buffer.from(data, 'base64');
  const errors = [];
  if (attachment.size !== bytes.length) errors.push('attachmentSize');
  if (!bytes.subarray(0, magic.length).equals(magic)) errors.push('attachmentMagic');
  return errors;
}

// The rules `message` (a communication Message) breaks, as ERRORS keys in
// order without repeats. `store` gives what the exchange holds: claim(key)
// -> the claim record (sender), request(key) -> the communication-request
// record (provider, claimKey, state, attachments); `bytes` is the size of
// the message as received.
function communicationErrors(message, store, bytes) {
  const errors = [];
  const c = message.focal;
  const sender = message.sender.value;
  if (licenceOf(message, c.sender, LICENSE.provider) !== sender) errors.push('providerMismatch');
  const recipient = Array.isArray(c.recipient) ? c.recipient[0] : undefined;
  if (licenceOf(message, recipient, LICENSE.payer) !== message.receiver.value) errors.push('payerMismatch');
  const patient = message.resolve(c.subject);
  if (!patient || patient.resourceType !== 'Patient') errors.push('communicationSubject');
  else checkPatient(patient, errors);

  const about = Array.isArray(c.about) ? c.about[0] : undefined;
  const aboutKey = about && about.type === 'Claim' ? identifierKey(about) : undefined;
  const claim = aboutKey && store.claim(aboutKey);
  if (!claim || claim.sender !== sender) errors.push('communicationAbout');

  const basedOn = Array.isArray(c.basedOn) ? c.basedOn[0] : undefined;
  let request;
  if (basedOn) {
    request = basedOn.type === 'CommunicationRequest' ? store.request(identifierKey(basedOn)) : undefined;
    if (!request || request.provider !== sender) {
      errors.push('communicationBasedOn');
      request = undefined;
    } else {
      if (request.state === 'answered') errors.push('communicationAnswered');
      if (aboutKey && request.claimKey !== aboutKey) errors.push('communicationClaim');
    }
  }

  const attachments = attachmentsOf(c);
  if (c.status === 'not-done') {
    if (!c.statusReason || typeof c.statusReason.text !== 'string' || !c.statusReason.text.trim()) errors.push('communicationNotDone');
  } else {
    if (!Array.isArray(c.payload) || c.payload.length === 0) errors.push('communicationEmpty');
    if (request && request.attachments.length && attachments.length === 0) errors.push('attachmentWanted');
  }
  for (const a of attachments) errors.push(...attachmentErrors(a));
  if (bytes > MAX_MESSAGE_BYTES) errors.push('messageSize');
  return [...new Set(errors)];
}

module.exports = { communicationErrors, attachmentsOf, identifierKey };
