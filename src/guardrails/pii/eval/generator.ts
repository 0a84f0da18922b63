// A seeded generator of labelled synthetic text for measuring PII detection: realistic messages (support chats,
// intake forms, HR notes, developer logs) with PII in varied formats and gold spans, plus near misses that look
// like PII but are not (16-digit numbers failing Luhn, 9-digit order ids, invalid IBANs, SSNs breaking SSA rules).
import { seededRandom } from '../../../core/index.js';
import { isPiiEntityType, type PiiEntityType } from '../types.js';
import * as v from './values.js';

/** One labelled text: the gold spans are the PII a perfect detector reports. */
export interface LabelledText {
  text: string;
  gold: { type: PiiEntityType; start: number; end: number }[];
}

type Gen = (r: v.Rand) => string;

/** Placeholder → generator. Upper-case keys are entity types (gold); lower-case keys are decoys (not PII). */
const GEN: Record<string, Gen> = {
  NAME: v.fullName, FIRST: v.firstName, LAST: v.lastName, LASTFIRST: (r) => `${v.lastName(r)}, ${v.firstName(r)}`, ADDRESS: v.address, AGE: v.age, EMAIL: v.email, PHONE: v.phone,
  USERNAME: v.username, PASSWORD: v.password, DRIVER_ID: v.driverId, LICENSE_PLATE: v.plate,
  VEHICLE_IDENTIFICATION_NUMBER: (r) => v.vin(r), CREDIT_DEBIT_CARD_CVV: v.cvv, CREDIT_DEBIT_CARD_EXPIRY: v.expiry,
  CREDIT_DEBIT_CARD_NUMBER: (r) => v.cardNumber(r), PIN: v.pin, INTERNATIONAL_BANK_ACCOUNT_NUMBER: (r) => v.iban(r),
  SWIFT_CODE: v.swift, IP_ADDRESS: (r) => (r() < 0.7 ? v.ipv4(r) : v.ipv6(r)), MAC_ADDRESS: v.mac, URL: v.url,
  AWS_ACCESS_KEY: v.awsAccessKey, AWS_SECRET_KEY: v.awsSecretKey, US_BANK_ACCOUNT_NUMBER: v.bankAccount,
  US_BANK_ROUTING_NUMBER: v.routing, US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER: v.itin, US_PASSPORT_NUMBER: v.passport,
  US_SOCIAL_SECURITY_NUMBER: (r) => v.ssn(r), CA_HEALTH_NUMBER: v.caHealth, CA_SOCIAL_INSURANCE_NUMBER: v.sin,
  UK_NATIONAL_HEALTH_SERVICE_NUMBER: (r) => v.nhs(r), UK_NATIONAL_INSURANCE_NUMBER: v.nino, UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER: v.utr,
  // decoys
  badcard: (r) => v.cardNumber(r, false), orderid: (r) => String(v.int(r, 100000000, 999999999)), badiban: (r) => v.iban(r, false),
  badssn: (r) => v.ssn(r, false), badvin: (r) => v.vin(r, false), badnhs: (r) => v.nhs(r, false),
  version: (r) => `${v.int(r, 1, 12)}.${v.int(r, 0, 20)}.${v.int(r, 0, 99)}.${v.int(r, 0, 999)}`,
  time: (r) => `${String(v.int(r, 0, 23)).padStart(2, '0')}:${String(v.int(r, 0, 59)).padStart(2, '0')}:${String(v.int(r, 0, 59)).padStart(2, '0')}`,
  qty: (r) => `${v.int(r, 2, 999)},${String(v.int(r, 0, 999)).padStart(3, '0')}`, price: (r) => `$${v.int(r, 1, 999)}.${String(v.int(r, 0, 99)).padStart(2, '0')}`,
  hash: (r) => Array.from({ length: 40 }, () => '0123456789abcdef'[v.int(r, 0, 15)]).join(''), year: (r) => String(v.int(r, 1990, 2030)),
  ticket: (r) => `${v.pick(r, ['INC', 'REQ', 'CASE'])}-${v.int(r, 10000, 99999)}`,
};

// Placeholders: {TYPE} or {TYPE:GEN} (type TYPE, value from generator GEN); decoys are lower-case.
const TEMPLATES: readonly string[] = [
  'Hi, my name is {NAME} and I need help with my account.', 'Please forward this to {NAME}, she handles billing.',
  'Dear {NAME:FIRST}, thank you for reaching out.', 'Mr. {NAME:LAST} called about the delivery.', 'Dr. {NAME} will see you at 3pm.',
  'I spoke with {NAME} yesterday and she said the refund was approved.', 'Regards,\n{NAME}', '{NAME} said the package never arrived.',
  'The patient, {NAME}, is {AGE} years old and reports mild symptoms.', 'Ship it to {ADDRESS}.', 'My new address is {ADDRESS}.',
  'We moved to {ADDRESS} last month.', 'Mailing address: {ADDRESS}', 'She is a {AGE}-year-old engineer.', 'Age: {AGE}',
  'You can email me at {EMAIL} or call {PHONE}.', 'Contact: {EMAIL}', 'My phone number is {PHONE}.', 'Call me at {PHONE} after 5.',
  'Reach the office on {PHONE}.', 'My username is {USERNAME} but I forgot the password.', 'login: {USERNAME}', 'Follow me on Twitter @{USERNAME:USERNAME}',
  'The password is {PASSWORD}', 'password: {PASSWORD}', 'I set my pwd to {PASSWORD} yesterday.',
  "Driver's license number {DRIVER_ID}, issued in Ohio.", 'DL# {DRIVER_ID}', 'The car with license plate {LICENSE_PLATE} was parked outside.',
  'Plate: {LICENSE_PLATE}', 'VIN {VEHICLE_IDENTIFICATION_NUMBER} is on the title.', 'The vehicle identification number is {VEHICLE_IDENTIFICATION_NUMBER}.',
  'Charge my card {CREDIT_DEBIT_CARD_NUMBER}, exp {CREDIT_DEBIT_CARD_EXPIRY}, CVV {CREDIT_DEBIT_CARD_CVV}.',
  'Card number: {CREDIT_DEBIT_CARD_NUMBER} (expires {CREDIT_DEBIT_CARD_EXPIRY})', 'I paid with {CREDIT_DEBIT_CARD_NUMBER} last week.',
  'The security code on the back is {CREDIT_DEBIT_CARD_CVV}.', 'My PIN is {PIN}, please reset it.', 'ATM PIN: {PIN}',
  'Wire it to IBAN {INTERNATIONAL_BANK_ACCOUNT_NUMBER}, SWIFT {SWIFT_CODE}.', 'IBAN: {INTERNATIONAL_BANK_ACCOUNT_NUMBER}',
  'The BIC is {SWIFT_CODE}.', 'Requests came from {IP_ADDRESS} at 02:14.', 'server {IP_ADDRESS} refused the connection',
  'Device MAC address {MAC_ADDRESS} was blocked.', 'Reset your password at {URL}.', 'See {URL} for details.',
  'aws_access_key_id = {AWS_ACCESS_KEY}\naws_secret_access_key = {AWS_SECRET_KEY}', 'The leaked key {AWS_ACCESS_KEY} was rotated.',
  'AWS secret key: {AWS_SECRET_KEY}', 'Deposit to account number {US_BANK_ACCOUNT_NUMBER}, routing number {US_BANK_ROUTING_NUMBER}.',
  'Checking acct {US_BANK_ACCOUNT_NUMBER}', 'ABA routing {US_BANK_ROUTING_NUMBER}', 'My ITIN is {US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER}.',
  'Tax ID (ITIN): {US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER}', 'Passport number {US_PASSPORT_NUMBER}, expires 2031.',
  'My SSN is {US_SOCIAL_SECURITY_NUMBER}.', 'Social Security Number: {US_SOCIAL_SECURITY_NUMBER}', 'SSN {US_SOCIAL_SECURITY_NUMBER} on file.',
  'Ontario health card {CA_HEALTH_NUMBER}', 'Health number: {CA_HEALTH_NUMBER}', 'My SIN is {CA_SOCIAL_INSURANCE_NUMBER}.',
  'Social insurance number {CA_SOCIAL_INSURANCE_NUMBER}', 'NHS number {UK_NATIONAL_HEALTH_SERVICE_NUMBER}',
  'Her NHS no. is {UK_NATIONAL_HEALTH_SERVICE_NUMBER}.', 'National Insurance number: {UK_NATIONAL_INSURANCE_NUMBER}',
  'NI number {UK_NATIONAL_INSURANCE_NUMBER} for payroll.', 'UTR {UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER} for self assessment.',
  'My Unique Taxpayer Reference is {UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER}.',
  // harder: little or no context
  'Send the contract to {NAME} by Friday.', '{NAME} and {NAME} joined the call late.', 'I think {NAME:FIRST} already approved it.',
  'Use {CREDIT_DEBIT_CARD_NUMBER} for the renewal.', 'You can reach me at {PHONE}.', '{EMAIL}', 'The office is at {ADDRESS}.',
  'Blocked traffic from {IP_ADDRESS} and {IP_ADDRESS}.', 'Verified {US_SOCIAL_SECURITY_NUMBER} against the file.',
  'Transfer the balance to {US_BANK_ACCOUNT_NUMBER} today.', 'Employee {UK_NATIONAL_INSURANCE_NUMBER} was enrolled.',
  'My insurance card reads {CA_HEALTH_NUMBER}.', 'Her number is {PHONE}.', 'Registered keeper of {LICENSE_PLATE}: {NAME}.',
  'I am {AGE} and live in {ADDRESS}.', '{NAME:LASTFIRST} (account holder)', 'creds: {USERNAME:USERNAME} / {PASSWORD}',
  // near misses: no gold
  'Your order number is {badcard}.', 'Reference {badcard} was cancelled.', 'Order id {orderid} shipped today.', 'Tracking number {orderid}.',
  'IBAN {badiban} was rejected as invalid.', 'The form showed {badssn} which is not a real number.', 'Invoice {orderid} is overdue.',
  'Running version {version} of the agent.', 'The job started at {time} and finished late.', 'We sold {qty} units for {price} each.',
  'Commit {hash} fixed the build.', 'In {year} we opened a branch on Main Street.', 'Ticket {ticket} was closed by the Support team.',
  'The VIN on the invoice, {badvin}, failed validation.', 'NHS number {badnhs} failed the check digit.', 'Meet us at the Grand Hotel on Monday.',
  'The Amazon Web Services console was slow in New York.', 'Our Quarterly Business Review is next Tuesday.',
];

const FILLERS: readonly string[] = [
  'Thanks for your patience while we look into this.', 'The issue started after the last update.', 'Let me know if anything else is needed.',
  'I have attached the screenshot from the app.', 'This is the third time I am writing about it.', 'Our team will follow up within two business days.',
  'The meeting was moved to Thursday afternoon.', 'Please keep this confidential.', 'The dashboard shows 3 failed attempts.',
  'We processed 1,250 requests in the last hour.', 'Can you confirm the change before Friday?', 'The report is due at the end of Q3.',
];

const PLACEHOLDER = /\{([A-Za-z_]+)(?::([A-Za-z_]+))?\}/g;

/** Generates `count` labelled texts from `seed`; the same seed always gives the same set. */
export function generateLabelledSet(count: number, seed = 42): LabelledText[] {
  const r = seededRandom(seed);
  const out: LabelledText[] = [];
  for (let i = 0; i < count; i++) {
    let text = '';
    const gold: LabelledText['gold'] = [];
    const parts = v.int(r, 2, 5);
    for (let p = 0; p < parts; p++) {
      if (text) text += r() < 0.15 ? '\n' : ' ';
      if (r() < 0.35) {
        text += v.pick(r, FILLERS);
        continue;
      }
      const t = v.pick(r, TEMPLATES);
      let at = 0;
      for (const m of t.matchAll(PLACEHOLDER)) {
        text += t.slice(at, m.index);
        const type = m[1]!;
        const gen = GEN[m[2] ?? type]!;
        const value = gen(r);
        if (isPiiEntityType(type)) {
          gold.push({ type, start: text.length, end: text.length + value.length });
        }
        text += value;
        at = m.index + m[0].length;
      }
      text += t.slice(at);
    }
    out.push({ text, gold });
  }
  return out;
}
