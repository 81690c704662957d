'use strict';
// The resources POST /_peer/seed loads, with fixed ids so tests and the
// README's walk-through can name them:
//
//   demo      the demo patient فاطمة الزهراني (Patient/fatimah-alzahrani:
//             national id and iqama, an Arabic HumanName with text and a
//             language extension beside the English one, the KSA
//             administrative-gender extension), her physician
//             (Practitioner/khalid-alharbi), the clinic and the payer
//             (Organization/wasl-clinic, Organization/payer-bupa), her active
//             Coverage (Coverage/fatimah-coverage) and two telehealth
//             appointments, one booked (Appointment/fatimah-booked, an hour
//             from now) and one proposed (Appointment/fatimah-proposed)
//   saudi     four more patients (saudi() below): national id only and an
//             Arabic-only name, iqama only, a passport, a name of parts only
//   slots     the clinic's telehealth availability, for booking (slots()
//             below; with demo, whose Practitioner/khalid-alharbi it names):
//             HealthcareService/telehealth-clinic served by khalid-alharbi
//             and Practitioner/sara-alqahtani (PractitionerRole
//             khalid-telehealth, sara-telehealth), a Schedule each
//             (Schedule/khalid-telehealth, Schedule/sara-telehealth) and
//             half-hour Slots tomorrow (UTC): khalid 09:00 and 09:30 free,
//             10:00 busy; sara 08:15 busy, 08:45 free (Slot/khalid-0900, …)
//   examples  the official R4 examples of the read types from the shared
//             reference data (Patient/example, Practitioner/example,
//             Appointment/example, Coverage/9876B1, Encounter/f001), when
//             their folder is given (--examples-dir)

const fs = require('node:fs');
const path = require('node:path');

const SYSTEMS = {
  nationalId: 'http://nphies.sa/identifier/nationalid',
  iqama: 'http://nphies.sa/identifier/iqama',
  passport: 'http://nphies.sa/identifier/passportnumber',
  mrn: 'http://wasl.example/identifier/mrn',
  practitionerLicense: 'http://nphies.sa/license/practitioner-license',
  providerLicense: 'http://nphies.sa/license/provider-license',
  payerLicense: 'http://nphies.sa/license/payer-license',
  ksaGender: 'http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/extension-ksa-administrative-gender',
  ksaGenderCodes: 'http://nphies.sa/terminology/CodeSystem/ksa-administrative-gender',
  language: 'http://hl7.org/fhir/StructureDefinition/language',
};

function arabic() {
  return [{ url: SYSTEMS.language, valueCode: 'ar' }];
}

function ksaGender(code, display) {
  return {
    extension: [{
      url: SYSTEMS.ksaGender,
      valueCodeableConcept: { coding: [{ system: SYSTEMS.ksaGenderCodes, code, display }] },
    }],
  };
}

// `now`: the time the booked appointment is an hour after.
function demo(now = new Date()) {
  const at = (minutes) => new Date(now.getTime() + minutes * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const patient = {
    resourceType: 'Patient',
    id: 'fatimah-alzahrani',
    identifier: [
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }] }, system: SYSTEMS.nationalId, value: '1098765432' },
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PRC' }] }, system: SYSTEMS.iqama, value: '2123456789' },
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: SYSTEMS.mrn, value: 'MRN-000417' },
    ],
    active: true,
    name: [
      { extension: arabic(), use: 'official', text: 'فاطمة الزهراني', family: 'الزهراني', given: ['فاطمة'] },
      { use: 'usual', text: 'Fatimah Alzahrani', family: 'Alzahrani', given: ['Fatimah'] },
    ],
    telecom: [
      { system: 'phone', value: '+966500000417', use: 'mobile' },
      { system: 'email', value: 'fatima.alzahrani@patient.example', use: 'home' },
    ],
    gender: 'female',
    _gender: ksaGender('female', 'Female'),
    birthDate: '1990-04-17',
    address: [{ city: 'الرياض', country: 'SA' }],
  };
  const practitioner = {
    resourceType: 'Practitioner',
    id: 'khalid-alharbi',
    identifier: [{ system: SYSTEMS.practitionerLicense, value: 'PR-100417' }],
    active: true,
    name: [
      { extension: arabic(), use: 'official', text: 'د. خالد الحربي', family: 'الحربي', given: ['خالد'], prefix: ['د.'] },
      { use: 'usual', text: 'Dr Khalid Alharbi', family: 'Alharbi', given: ['Khalid'], prefix: ['Dr'] },
    ],
    telecom: [{ system: 'email', value: 'khalid.alharbi@clinic.example', use: 'work' }],
    gender: 'male',
  };
  const clinic = {
    resourceType: 'Organization',
    id: 'wasl-clinic',
    identifier: [{ system: SYSTEMS.providerLicense, value: 'PR-FHIR' }],
    active: true,
    name: 'عيادة وصل الافتراضية',
    alias: ['Wasl Virtual Clinic'],
  };
  const payer = {
    resourceType: 'Organization',
    id: 'payer-bupa',
    identifier: [{ system: SYSTEMS.payerLicense, value: 'INS-FHIR' }],
    active: true,
    name: 'Bupa Arabia',
  };
  const coverage = {
    resourceType: 'Coverage',
    id: 'fatimah-coverage',
    identifier: [{ system: 'http://payer-bupa.example/memberid', value: 'BUPA-0417' }],
    status: 'active',
    type: { coding: [{ system: 'http://nphies.sa/terminology/CodeSystem/coverage-type', code: 'EHCPOL', display: 'extended healthcare' }] },
    subscriber: { reference: 'Patient/fatimah-alzahrani' },
    subscriberId: 'BUPA-0417',
    beneficiary: { reference: 'Patient/fatimah-alzahrani' },
    relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }] },
    period: { start: '2026-01-01', end: '2027-12-31' },
    payor: [{ reference: 'Organization/payer-bupa' }],
  };
  const appointment = (id, status, start) => ({
    resourceType: 'Appointment',
    id,
    identifier: [{ system: 'http://wasl-clinic.example/appointment', value: id }],
    status,
    serviceType: [{
      coding: [{ system: 'http://snomed.info/sct', code: '185317003', display: 'Telephone encounter' }],
      text: 'Telehealth consultation',
    }],
    appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE' }] },
    description: 'استشارة عن بعد',
    start: at(start),
    end: at(start + 30),
    participant: [
      { actor: { reference: 'Patient/fatimah-alzahrani', display: 'فاطمة الزهراني' }, required: 'required', status: 'accepted' },
      { actor: { reference: 'Practitioner/khalid-alharbi', display: 'د. خالد الحربي' }, required: 'required', status: 'accepted' },
    ],
  });
  return [
    patient, practitioner, clinic, payer, coverage,
    appointment('fatimah-booked', 'booked', 60),
    appointment('fatimah-proposed', 'proposed', 24 * 60),
  ];
}

// More patients for mapping and search tests, each with what the demo
// patient lacks: a citizen with a national id only and a name in Arabic
// only; a resident with an iqama only, male with the KSA extension, and
// Arabic and English names; a visitor with a passport and the KSA
// "unknown" gender; and a patient whose name has no text, only parts.
function saudi() {
  const ident = (code, system, value) => ({
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code }] }, system, value,
  });
  return [
    {
      resourceType: 'Patient',
      id: 'abdullah-alqahtani',
      identifier: [ident('NI', SYSTEMS.nationalId, '1011111111')],
      name: [{ extension: arabic(), use: 'official', text: 'عبدالله بن سعد القحطاني', family: 'القحطاني', given: ['عبدالله', 'سعد'] }],
      gender: 'male',
      _gender: ksaGender('male', 'Male'),
      birthDate: '1958-01-30',
    },
    {
      resourceType: 'Patient',
      id: 'mohammed-rahman',
      identifier: [ident('PRC', SYSTEMS.iqama, '2222222222')],
      name: [
        { extension: arabic(), use: 'official', text: 'محمد عبد الرحمن', family: 'عبد الرحمن', given: ['محمد'] },
        { use: 'usual', text: 'Mohammed Abdul Rahman', family: 'Abdul Rahman', given: ['Mohammed'] },
      ],
      telecom: [{ system: 'phone', value: '+966511111111', use: 'mobile' }],
      gender: 'male',
      _gender: ksaGender('male', 'Male'),
      birthDate: '1985-11-02',
    },
    {
      resourceType: 'Patient',
      id: 'aisha-visitor',
      identifier: [ident('PPN', SYSTEMS.passport, 'P1234567')],
      name: [{ use: 'official', text: 'Aisha Khan', family: 'Khan', given: ['Aisha'] }],
      gender: 'unknown',
      _gender: ksaGender('U', 'Unknown'),
    },
    {
      resourceType: 'Patient',
      id: 'noura-parts-only',
      identifier: [ident('NI', SYSTEMS.nationalId, '1033333333'), ident('PRC', SYSTEMS.iqama, '2033333333')],
      name: [{ extension: arabic(), family: 'العتيبي', given: ['نورة'] }],
      gender: 'female',
      _gender: ksaGender('female', 'Female'),
      birthDate: '2001-07-15',
    },
  ];
}

// `now`: the slots are on the UTC day after it.
function slots(now = new Date()) {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const at = (hh, mm) => new Date(day + (hh * 60 + mm) * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const service = 'HealthcareService/telehealth-clinic';
  const slot = (who, hh, mm, status) => ({
    resourceType: 'Slot',
    id: `${who}-${String(hh).padStart(2, '0')}${String(mm).padStart(2, '0')}`,
    schedule: { reference: `Schedule/${who}-telehealth` },
    serviceType: [{ text: 'Telehealth consultation' }],
    status,
    start: at(hh, mm),
    end: at(hh, mm + 30),
  });
  const schedule = (who, name) => ({
    resourceType: 'Schedule',
    id: `${who}-telehealth`,
    active: true,
    actor: [{ reference: `Practitioner/${name}` }, { reference: service }],
    planningHorizon: { start: at(0, 0), end: at(24, 0) },
  });
  return [
    {
      resourceType: 'Practitioner',
      id: 'sara-alqahtani',
      active: true,
      name: [
        { use: 'official', text: 'د. سارة القحطاني', family: 'القحطاني', given: ['سارة'], extension: arabic() },
        { use: 'usual', text: 'Dr. Sara Alqahtani', family: 'Alqahtani', given: ['Sara'] },
      ],
      gender: 'female',
    },
    {
      resourceType: 'HealthcareService',
      id: 'telehealth-clinic',
      active: true,
      providedBy: { reference: 'Organization/wasl-clinic' },
      name: 'عيادة الطب عن بعد / Telehealth clinic',
      type: [{ text: 'Telehealth consultation' }],
    },
    {
      resourceType: 'PractitionerRole', id: 'khalid-telehealth', active: true,
      practitioner: { reference: 'Practitioner/khalid-alharbi' }, healthcareService: [{ reference: service }],
    },
    {
      resourceType: 'PractitionerRole', id: 'sara-telehealth', active: true,
      practitioner: { reference: 'Practitioner/sara-alqahtani' }, healthcareService: [{ reference: service }],
    },
    schedule('khalid', 'khalid-alharbi'),
    schedule('sara', 'sara-alqahtani'),
    slot('khalid', 9, 0, 'free'),
    slot('khalid', 9, 30, 'free'),
    slot('khalid', 10, 0, 'busy'),
    slot('sara', 8, 15, 'busy'),
    slot('sara', 8, 45, 'free'),
  ];
}

const EXAMPLE_FILES = [
  'Patient-example.json', 'Practitioner-example.json', 'Appointment-example.json',
  'Coverage-9876B1.json', 'Encounter-f001.json',
];

// The official examples found in `dir`; an error names a missing file.
function examples(dir) {
  if (!dir) throw new Error('the examples fixture needs --examples-dir');
  return EXAMPLE_FILES.map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
}

const FIXTURES = { demo: () => demo(), saudi: () => saudi(), slots: () => slots(), examples: (options) => examples(options.examplesDir) };

module.exports = { FIXTURES, SYSTEMS, demo, saudi, slots, examples };
