'use strict';
// The NPHIES vocabulary the peer checks and answers with: message events
// (../shared/data/nphies/ksa-message-events.derived.json), profile URLs,
// identifier and licence systems, and the adjudication-error codes the peer
// answers rule violations with.

const NS = 'http://nphies.sa';
const EVENTS_SYSTEM = `${NS}/terminology/CodeSystem/ksa-message-events`;
const PROFILE_BASE = `${NS}/fhir/ksa/nphies-fs/StructureDefinition/`;
// The profile versions the exchange takes (one per message), and the one it
// uses where no message says which.
const PROFILE_VERSIONS = ['1.0.0', '0.3.0'];
const PROFILE_VERSION = '1.0.0';
const ADJUDICATION_ERROR = `${NS}/terminology/CodeSystem/adjudication-error`;
const TASK_CODE = `${NS}/terminology/CodeSystem/task-code`;
const TASK_OUTPUT_TYPE = `${NS}/terminology/CodeSystem/task-output-type`;
const COMMUNICATION_REASON = `${NS}/terminology/CodeSystem/communication-reason`;
const PAYMENT_TYPE = 'http://terminology.hl7.org/CodeSystem/payment-type';
const PAYMENT_STATUS = 'http://terminology.hl7.org/CodeSystem/paymentstatus';
const EXTENSION = {
  earlyFee: `${PROFILE_BASE}extension-early-fee`,
  nphiesFee: `${PROFILE_BASE}extension-nphies-fee`,
  batchIdentifier: `${PROFILE_BASE}extension-batch-identifier`,
  batchNumber: `${PROFILE_BASE}extension-batch-number`,
  batchCount: `${PROFILE_BASE}extension-batch-count`,
};
// What a communication may attach, with the bytes its data must begin with.
const ATTACHMENT_MAGIC = {
  'application/pdf': Buffer.from('%PDF-', 'latin1'),
  'image/jpeg': Buffer.from([0xff, 0xd8, 0xff]),
};
// The largest message NPHIES takes, in bytes.
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

const LICENSE = {
  provider: `${NS}/license/provider-license`,
  payer: `${NS}/license/payer-license`,
  practitioner: `${NS}/license/practitioner-license`,
  nphies: `${NS}/license/nphies`,
};

// Patient identifier systems NPHIES knows, with the v2-0203 type each carries.
const PATIENT_IDENTIFIER_SYSTEMS = {
  [`${NS}/identifier/nationalid`]: 'NI',
  [`${NS}/identifier/iqama`]: 'PRC',
  [`${NS}/identifier/passportnumber`]: 'PPN',
  [`${NS}/identifier/bordernumber`]: 'BN',
};

const KSA_GENDER_EXTENSION = `${PROFILE_BASE}extension-ksa-administrative-gender`;

// Request events the exchange accepts from a provider, with the focal
// resource type (null: no focus) and the response event.
const REQUESTS = {
  'eligibility-request': { focal: 'CoverageEligibilityRequest', reply: 'eligibility-response' },
  'priorauth-request': { focal: 'Claim', reply: 'priorauth-response' },
  'claim-request': { focal: 'Claim', reply: 'claim-response' },
  'cancel-request': { focal: 'Task', reply: 'cancel-response' },
  'status-check': { focal: 'Task', reply: 'status-response' },
  'poll-request': { focal: 'Task', reply: 'poll-response' },
  'acknowledgement': { focal: null, reply: 'acknowledgement' },
  'communication': { focal: 'Communication', reply: 'acknowledgement' },
  'payment-notice': { focal: 'PaymentNotice', reply: 'acknowledgement' },
  'batch-request': { focal: null, reply: 'batch-response' },
};

// The most claims a batch-request carries.
const MAX_BATCH_CLAIMS = 200;

// Which nphies-fs profiles a resource of each type may carry.
const PROFILES = {
  MessageHeader: ['message-header'],
  CoverageEligibilityRequest: ['eligibility-request'],
  CoverageEligibilityResponse: ['eligibility-response'],
  Claim: ['professional-claim', 'institutional-claim', 'oral-claim', 'vision-claim', 'pharmacy-claim',
    'professional-priorauth', 'institutional-priorauth', 'oral-priorauth', 'vision-priorauth',
    'pharmacy-priorauth'],
  ClaimResponse: ['claim-response', 'prior-auth-response'],
  Coverage: ['coverage'],
  Patient: ['patient'],
  Practitioner: ['practitioner'],
  PractitionerRole: ['practitioner-role'],
  Organization: ['provider-organization', 'insurer-organization', 'policyholder-organization'],
  Location: ['location'],
  Encounter: ['encounter', 'encounter-auth-AMB', 'encounter-auth-EMER', 'encounter-auth-HH',
    'encounter-auth-IMP', 'encounter-auth-SS', 'encounter-auth-VR'],
  Task: ['task', 'poll-request', 'cancel-request', 'status-check'],
  OperationOutcome: ['operation-outcome'],
  Communication: ['communication'],
  CommunicationRequest: ['communication-request'],
  PaymentNotice: ['payment-notice'],
  PaymentReconciliation: ['payment-reconciliation'],
  Bundle: ['bundle'],
};

function profileUrl(name, version = PROFILE_VERSION) {
  return `${PROFILE_BASE}${name}|${version}`;
}

// The adjudication-error codes this peer answers with. 1658 and 1680 appear
// in CHI's sample responses; the others are the peer's own, documented in
// README.md, and stand for the rule each names.
const ERRORS = {
  noMember: ['1658', 'No member found with the supplied patient credentials'],
  memberInvalid: ['1680', 'Member ID is invalid'],
  unknownProvider: ['PV-0001', 'The provider license is not registered with the exchange'],
  unknownPayer: ['PY-0001', 'The payer license is not registered with the exchange'],
  providerMismatch: ['PV-0002', 'The provider organization does not match the message sender'],
  certificateMismatch: ['PV-0003', 'The message sender does not match the client certificate'],
  payerMismatch: ['PY-0002', 'The insurer organization does not match the message destination'],
  patientIdentifier: ['PT-0001', 'The patient identifier system is not a national id, iqama, passport or border number'],
  patientGender: ['PT-0002', 'The patient gender lacks the KSA administrative gender extension'],
  currency: ['MN-0001', 'Amounts must be in SAR'],
  netMismatch: ['MN-0002', 'An item net is not quantity x unit price + tax, or the total is not the sum of the nets'],
  claimType: ['CL-0001', 'Claim type or subType is missing or not from the NPHIES code systems'],
  serviceCode: ['CL-0002', 'A service code is missing or not from the NPHIES services code system'],
  diagnosis: ['CL-0003', 'The claim has no principal diagnosis'],
  encounter: ['CL-0004', 'The encounter extension does not point at a virtual Encounter (class VR, encounter-auth-VR) in the message'],
  eligibilityReference: ['CL-0005', 'The eligibility response referenced is unknown to the exchange'],
  careTeam: ['CL-0006', 'The care team practitioner has no practitioner license'],
  priorUnknown: ['CL-0007', 'The prior claim related names is not a claim of this provider the exchange holds'],
  priorNotRejected: ['CL-0008', 'The prior claim related names was not rejected: only a rejected claim is resubmitted'],
  notCovered: ['CL-0101', 'The service is not covered by the policy'],
  partial: ['CL-0102', 'The service is covered in part; the patient share is raised'],
  cancelUnknown: ['TK-0001', 'The claim to cancel is unknown to the exchange'],
  pollCount: ['TK-0002', 'A poll asks for at most 100 messages'],
  notAdjudicated: ['TK-0003', 'The claim is not adjudicated: nullify reverses an adjudicated claim; cancel one not adjudicated yet'],
  alreadyNullified: ['TK-0004', 'The claim is nullified already'],
  communicationAbout: ['CM-0001', 'The communication is not about a claim this provider sent (about[0] must name its Claim identifier)'],
  communicationBasedOn: ['CM-0002', 'basedOn names no communication-request the exchange sent to this provider'],
  communicationAnswered: ['CM-0003', 'The communication-request basedOn names is already answered'],
  attachmentType: ['CM-0004', 'An attachment is not application/pdf or image/jpeg'],
  attachmentMagic: ['CM-0005', 'An attachment\'s data does not begin as its contentType says (%PDF- for PDF, FF D8 FF for JPEG)'],
  attachmentSize: ['CM-0006', 'An attachment\'s data is missing, not base64, or does not decode to size bytes'],
  messageSize: ['CM-0007', 'The message is larger than 10 MB'],
  communicationNotDone: ['CM-0008', 'A not-done communication must give statusReason.text'],
  communicationClaim: ['CM-0009', 'The communication is about another claim than the communication-request it answers'],
  attachmentWanted: ['CM-0010', 'The communication-request asked for a document; the answer attaches none'],
  communicationEmpty: ['CM-0011', 'A completed communication carries no payload'],
  communicationSubject: ['CM-0012', 'The communication\'s subject is not a Patient entry of the message'],
  batchSize: ['BT-0001', 'A batch-request carries 1 to 200 claim-request messages'],
  batchEntry: ['BT-0002', 'A batch-request entry is not a claim-request message of the batch\'s sender and receiver'],
  batchExtensions: ['BT-0003', 'A batch Claim lacks its batch-identifier, batch-number or batch-count, or they disagree'],
  bvClaimTotal: ['BV-0001', 'Claim.total is not the sum of the items\' net (FHIRPath invariant)'],
  bvItemSequence: ['BV-0002', 'A Claim item has no sequence, or two items share one (FHIRPath invariant)'],
  bvItemLinks: ['BV-0003', 'An item\'s careTeamSequence or diagnosisSequence names no careTeam or diagnosis of the Claim (FHIRPath invariant)'],
  bvItemQuantity: ['BV-0004', 'An item quantity is not more than 0 (FHIRPath invariant)'],
  bvCommunicationAbout: ['BV-0005', 'A Communication is not about a Claim named by identifier (FHIRPath invariant)'],
  bvAttachment: ['BV-0006', 'A Communication attachment lacks contentType, data or size (FHIRPath invariant)'],
  bvNoticeCurrency: ['BV-0007', 'The PaymentNotice amount is not in SAR (FHIRPath invariant)'],
  bvPatientIdentifier: ['BV-0008', 'A Patient has no identifier with a system and a value (FHIRPath invariant)'],
  noticePayment: ['PN-0001', 'The payment-notice names no payment-reconciliation the exchange sent to this provider'],
  noticeAmount: ['PN-0002', 'The payment-notice amount is not the reconciliation\'s paymentAmount'],
  noticeStatus: ['PN-0003', 'The payment-notice paymentStatus is not cleared'],
  noticeRepeated: ['PN-0004', 'The payment-reconciliation already has a payment-notice (another identifier)'],
};

function errorEntry(key, itemSequence) {
  const [code, display] = ERRORS[key];
  const out = { code: { coding: [{ system: ADJUDICATION_ERROR, code, display }] } };
  if (itemSequence) out.itemSequence = itemSequence;
  return out;
}

module.exports = {
  NS, EVENTS_SYSTEM, PROFILE_BASE, PROFILE_VERSION, PROFILE_VERSIONS, ADJUDICATION_ERROR, TASK_CODE, TASK_OUTPUT_TYPE, LICENSE,
  PATIENT_IDENTIFIER_SYSTEMS, KSA_GENDER_EXTENSION, REQUESTS, PROFILES, ERRORS, COMMUNICATION_REASON,
  PAYMENT_TYPE, PAYMENT_STATUS, EXTENSION, ATTACHMENT_MAGIC, MAX_MESSAGE_BYTES, MAX_BATCH_CLAIMS,
  profileUrl, errorEntry,
};
