import { describe, expect, it } from 'vitest';
import { PII_ENTITY_TYPES, PiiDetector, detectPii, type PiiFinding } from '../../../src/guardrails/pii/index.js';

const found = (text: string, threshold?: number): { type: string; value: string }[] =>
  detectPii(text, threshold === undefined ? {} : { threshold }).map((f: PiiFinding) => ({ type: f.type, value: text.slice(f.start, f.end) }));
const typesIn = (text: string): string[] => found(text).map((f) => f.type);

// [type, texts that contain exactly that value, the value]
const VALID: [string, string, string][] = [
  ['ADDRESS', 'Ship it to 1600 Pennsylvania Avenue NW, Washington, DC 20500 please.', '1600 Pennsylvania Avenue NW, Washington, DC 20500'],
  ['ADDRESS', 'Send mail to PO Box 4521, Springfield, IL 62704.', 'PO Box 4521, Springfield, IL 62704'],
  ['AGE', 'The patient is 42 years old.', '42'],
  ['NAME', 'Hi, my name is Maria Gonzalez and I need help.', 'Maria Gonzalez'],
  ['NAME', 'Mr. Okafor called about the delivery.', 'Okafor'],
  ['EMAIL', 'Write to jane.doe+news@example.co.uk today.', 'jane.doe+news@example.co.uk'],
  ['PHONE', 'Call me at (415) 555-0132 after five.', '(415) 555-0132'],
  ['PHONE', 'Office: +44 20 7946 0958.', '+44 20 7946 0958'],
  ['USERNAME', 'My username is jdoe_42 on the portal.', 'jdoe_42'],
  ['PASSWORD', 'The password is Tr0ub4dor&3 so keep it safe.', 'Tr0ub4dor&3'],
  ['DRIVER_ID', "Driver's license number D1234567, issued in Ohio.", 'D1234567'],
  ['LICENSE_PLATE', 'The car with license plate 7ABC123 was outside.', '7ABC123'],
  ['VEHICLE_IDENTIFICATION_NUMBER', 'VIN 1HGCM82633A004352 is on the title.', '1HGCM82633A004352'],
  ['CREDIT_DEBIT_CARD_CVV', 'The CVV is 737.', '737'],
  ['CREDIT_DEBIT_CARD_EXPIRY', 'Card expires 09/27.', '09/27'],
  ['CREDIT_DEBIT_CARD_NUMBER', 'Charge 4111 1111 1111 1111 for the renewal.', '4111 1111 1111 1111'],
  ['CREDIT_DEBIT_CARD_NUMBER', 'Amex 3782-822463-10005 on file.', '3782-822463-10005'],
  ['PIN', 'My PIN is 4821.', '4821'],
  ['INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'Wire to GB82 WEST 1234 5698 7654 32 today.', 'GB82 WEST 1234 5698 7654 32'],
  ['INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'IBAN DE89370400440532013000.', 'DE89370400440532013000'],
  ['SWIFT_CODE', 'The SWIFT code is DEUTDEFF.', 'DEUTDEFF'],
  ['IP_ADDRESS', 'Requests came from 192.168.10.4 overnight.', '192.168.10.4'],
  ['IP_ADDRESS', 'Bound to 2001:db8::8a2e:370:7334 now.', '2001:db8::8a2e:370:7334'],
  ['MAC_ADDRESS', 'Device 00:1A:2B:3C:4D:5E was blocked.', '00:1A:2B:3C:4D:5E'],
  ['URL', 'Reset it at https://example.com/reset?token=abc.', 'https://example.com/reset?token=abc'],
  ['AWS_ACCESS_KEY', 'Rotate AKIAIOSFODNN7EXAMPLE now.', 'AKIAIOSFODNN7EXAMPLE'],
  ['AWS_SECRET_KEY', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['US_BANK_ACCOUNT_NUMBER', 'Deposit to account number 000123456789.', '000123456789'],
  ['US_BANK_ROUTING_NUMBER', 'Routing number 021000021.', '021000021'],
  ['US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER', 'My ITIN is 912-70-1234.', '912-70-1234'],
  ['US_PASSPORT_NUMBER', 'Passport number C03005988.', 'C03005988'],
  ['US_SOCIAL_SECURITY_NUMBER', 'My SSN is 536-22-8726.', '536-22-8726'],
  ['CA_HEALTH_NUMBER', 'Ontario health card 1234-567-897-AB.', '1234-567-897-AB'],
  ['CA_SOCIAL_INSURANCE_NUMBER', 'My SIN is 130 692 544.', '130 692 544'],
  ['UK_NATIONAL_HEALTH_SERVICE_NUMBER', 'NHS number 943 476 5919.', '943 476 5919'],
  ['UK_NATIONAL_INSURANCE_NUMBER', 'National Insurance number: AB 12 34 56 C.', 'AB 12 34 56 C'],
  ['UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER', 'UTR 2234567890 for self assessment.', '2234567890'],
];

describe('detectPii: every built-in type', () => {
  it('covers all 31 Bedrock entity types with a valid example', () => {
    expect(new Set(VALID.map((v) => v[0]))).toEqual(new Set(PII_ENTITY_TYPES));
  });
  it.each(VALID)('%s in %j', (type, text, value) => {
    expect(found(text)).toContainEqual({ type, value });
  });
});

describe('near misses are not PII', () => {
  it.each([
    ['a 16-digit number failing Luhn is not a card', 'Charge 4111 1111 1111 1112 please.', 'CREDIT_DEBIT_CARD_NUMBER'],
    ['SSN area 000', 'My SSN is 000-12-3456.', 'US_SOCIAL_SECURITY_NUMBER'],
    ['SSN area 666', 'My SSN is 666-12-3456.', 'US_SOCIAL_SECURITY_NUMBER'],
    ['SSN group 00', 'My SSN is 536-00-8726.', 'US_SOCIAL_SECURITY_NUMBER'],
    ['SSN serial 0000', 'My SSN is 536-22-0000.', 'US_SOCIAL_SECURITY_NUMBER'],
    ['ITIN with a group outside the IRS ranges', 'My ITIN is 912-40-1234.', 'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER'],
    ['IBAN with a bad check', 'IBAN GB83 WEST 1234 5698 7654 32.', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER'],
    ['IBAN with the wrong length', 'IBAN GB82 WEST 1234 5698 7654.', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER'],
    ['routing number failing 3-7-1', 'Routing number 021000022.', 'US_BANK_ROUTING_NUMBER'],
    ['VIN with a wrong check digit', 'VIN 1HGCM82643A004352 is on the title.', 'VEHICLE_IDENTIFICATION_NUMBER'],
    ['NHS number failing mod 11', 'NHS number 943 476 5918.', 'UK_NATIONAL_HEALTH_SERVICE_NUMBER'],
    ['NINO with a forbidden prefix', 'National Insurance number: GB 12 34 56 C.', 'UK_NATIONAL_INSURANCE_NUMBER'],
    ['SIN failing Luhn', 'My SIN is 130 692 545.', 'CA_SOCIAL_INSURANCE_NUMBER'],
    ['an IPv4 octet over 255', 'Requests came from 192.168.300.4.', 'IP_ADDRESS'],
    ['a time is not IPv6', 'The job ran at 12:30:45 today.', 'IP_ADDRESS'],
    ['expiry month 13', 'Card expires 13/27.', 'CREDIT_DEBIT_CARD_EXPIRY'],
    ['a 9-digit order id', 'Order id 483920175 shipped today.', 'US_SOCIAL_SECURITY_NUMBER'],
    ['a version number is not an IP', 'Running version 4.12.1.9 of the agent.', 'IP_ADDRESS'],
    ['40 hex characters without AWS context', 'Commit 9fceb02d0ae598e95dc970b74767f19372d61af8 fixed it.', 'AWS_SECRET_KEY'],
  ])('%s', (_why, text, type) => {
    expect(typesIn(text)).not.toContain(type);
  });

  it('finds nothing in ordinary business text', () => {
    expect(found('The Quarterly Business Review is next Tuesday; we sold 2,500 units for $19.99 each in 2024.')).toEqual([]);
  });
});

describe('context words move confidence across the threshold', () => {
  it('a bare 9-digit number becomes an SSN only next to "ssn"', () => {
    expect(typesIn('Please file 536228726 today.')).not.toContain('US_SOCIAL_SECURITY_NUMBER');
    expect(typesIn('SSN 536228726 on file.')).toContain('US_SOCIAL_SECURITY_NUMBER');
  });
  it('"order number" lowers a Luhn-valid number below the threshold', () => {
    expect(typesIn('Card 4111 1111 1111 1111.')).toContain('CREDIT_DEBIT_CARD_NUMBER');
    expect(typesIn('Your order number is 4111 1111 1111 1111.')).not.toContain('CREDIT_DEBIT_CARD_NUMBER');
  });
  it('"tracking" lowers a phone-shaped number', () => {
    const phone = detectPii('Call 415-555-0132.')[0]!;
    const tracking = detectPii('Tracking 415-555-0132.', { threshold: 0 }).find((f) => f.type === 'PHONE')!;
    expect(tracking.score).toBeLessThan(phone.score);
  });
  it('the threshold is per call', () => {
    const text = 'Routing 021000021.';
    expect(detectPii(text, { threshold: 0.95 })).toEqual([]);
    expect(detectPii(text, { threshold: 0.5 }).map((f) => f.type)).toEqual(['US_BANK_ROUTING_NUMBER']);
  });
});

describe('overlap resolution', () => {
  it('a card number is not also a phone, an account or an SSN', () => {
    const f = detectPii('Account card 4111111111111111 please.');
    expect(f.map((x) => x.type)).toEqual(['CREDIT_DEBIT_CARD_NUMBER']);
  });
  it('findings never overlap and come in text order', () => {
    const text = 'John Smith, SSN 536-22-8726, card 5500 0000 0000 0004, phone (415) 555-0132, john@example.com';
    const f = detectPii(text);
    for (let i = 1; i < f.length; i++) expect(f[i]!.start).toBeGreaterThanOrEqual(f[i - 1]!.end);
    expect(f.map((x) => x.type)).toEqual(['NAME', 'US_SOCIAL_SECURITY_NUMBER', 'CREDIT_DEBIT_CARD_NUMBER', 'PHONE', 'EMAIL']);
  });
});

describe('PiiDetector options', () => {
  it('detects only the listed types', () => {
    const d = new PiiDetector({ types: ['EMAIL'] });
    expect(d.detect('Mail a@example.com or call (415) 555-0132.').map((f) => f.type)).toEqual(['EMAIL']);
  });
  it('rejects an unknown type with a suggestion', () => {
    expect(() => new PiiDetector({ types: ['EMIAL' as 'EMAIL'] })).toThrow(/Unknown PII entity type "EMIAL"; did you mean EMAIL/);
  });
  it('rejects a threshold outside [0, 1]', () => {
    expect(() => detectPii('x', { threshold: 2 })).toThrow(/between 0 and 1/);
  });
  it('runs custom regex entities beside the built-ins', () => {
    const d = new PiiDetector({ custom: [{ name: 'BOOKING_ID', pattern: 'BK-\\d{6}' }] });
    const text = 'Booking BK-123456 for jane@example.com';
    expect(d.detect(text).map((f) => [f.type, text.slice(f.start, f.end)])).toEqual([['BOOKING_ID', 'BK-123456'], ['EMAIL', 'jane@example.com']]);
  });
  it('rejects a custom entity whose regex could backtrack catastrophically', () => {
    expect(() => new PiiDetector({ custom: [{ name: 'BAD', pattern: '(a+)+$' }] })).toThrow(/pii\.custom\[0\] \(BAD\): the regex \/\(a\+\)\+\$\/ is prone to catastrophic backtracking/);
  });
  it('handles empty and non-ASCII text', () => {
    expect(detectPii('')).toEqual([]);
    expect(found('Ünïcödé İstanbul: écrivez à jean@exemple.fr')).toEqual([{ type: 'EMAIL', value: 'jean@exemple.fr' }]);
  });
});
