import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/index.js';
import { PiiDetector, detectPii } from '../../../src/guardrails/pii/index.js';
import { LiteralTable } from '../../../src/guardrails/pii/literals.js';
import { FINANCIAL_RECOGNIZERS } from '../../../src/guardrails/pii/recognizers-financial.js';
import { NATIONAL_RECOGNIZERS } from '../../../src/guardrails/pii/recognizers-national.js';
import { NETWORK_RECOGNIZERS } from '../../../src/guardrails/pii/recognizers-network.js';
import { PERSONAL_RECOGNIZERS } from '../../../src/guardrails/pii/recognizers-personal.js';
import { TokenDispatch, compileRecognizer, registerLiterals, runAt, runGlobal } from '../../../src/guardrails/pii/run.js';
import { scanText } from '../../../src/guardrails/pii/text-scan.js';
import type { PiiFinding } from '../../../src/guardrails/pii/types.js';

const ALL = [...FINANCIAL_RECOGNIZERS, ...NATIONAL_RECOGNIZERS, ...NETWORK_RECOGNIZERS, ...PERSONAL_RECOGNIZERS];
const table = new LiteralTable();
const sinks = registerLiterals(ALL, table);

// pieces that make numbers, identifiers and separators in every arrangement the token shapes must allow
const PIECES = ['1', '4', '9', '0', '12', '123', '4111', '415', '555', '0132', '536', '22', '8726', '99999', '-', ' ', '.', '/',
  ':', '(', ')', '+', '+1 ', '+44 ', 'A', 'AB', 'ABC', 'GB82', 'WEST', 'DE89', 'K', 'x', 'y', 'yo', ' years old', '1A2B',
  'ff', '::', '00:1A', '0123.4567', '2001:db8', 'DEUTDEFF', '1HGCM82633A004352', 'SMITH', '9ABCD', '@', 'a@b.co', ', ',
  '\n', 'ssn ', 'card ', 'phone ', 'routing ', 'account ', 'passport ', 'license ', 'plate ', 'vin ', 'pin ', 'cvv ', 'user '];

function randomText(r: () => number): string {
  let s = '';
  const n = 3 + Math.floor(r() * 25);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

describe('start-position dispatch finds what a scan of the whole text finds', () => {
  it('token shapes, hex-run and @ starts are necessary conditions of each recogniser', () => {
    const compiled = ALL.map((r) => compileRecognizer(r, sinks));
    const dispatch = new TokenDispatch(compiled);
    const r = seededRandom(7);
    for (let k = 0; k < 3000; k++) {
      const text = randomText(r);
      const scan = scanText(text, table);
      const viaTokens: (PiiFinding[] | undefined)[] = [];
      dispatch.run(text, scan, 0, compiled.map(() => true), viaTokens);
      compiled.forEach((c, i) => {
        if (c.r.lead === undefined || c.r.lead === 'keyword') return;
        let whole: PiiFinding[] = [];
        runGlobal(c, text, 0, whole);
        // by design a capitals token is a capital followed by a capital or digit ("A 2001" is not tried)
        if (c.r.lead === 'upper' || c.r.lead === 'both') whole = whole.filter((f) => !/^[A-Z][^A-Z0-9]/.test(text.slice(f.start, f.start + 2)));
        let atStarts: PiiFinding[] = [];
        if (c.r.lead === 'hexsep' || c.r.lead === 'macsep' || c.r.lead === 'long' || c.r.lead === 'at') runAt(c, text, scan[c.r.lead], 0, atStarts);
        else atStarts = viaTokens[i] ?? [];
        // positions only: context scoring with and without the stem index is compared by the detector tests
        const spans = (fs: PiiFinding[]) => fs.map((f) => `${f.type} ${f.start}-${f.end}`);
        expect(spans(atStarts), `${c.r.type} in ${JSON.stringify(text)}`).toEqual(spans(whole));
      });
    }
  });
});

describe('behaviour the fast paths changed on purpose', () => {
  it('finds Cisco-style MAC addresses (xxxx.xxxx.xxxx)', () => {
    const text = 'Device MAC address 001a.2b3c.4d5e was blocked.';
    const f = detectPii(text).filter((x) => x.type === 'MAC_ADDRESS');
    expect(f.map((x) => text.slice(x.start, x.end))).toEqual(['001a.2b3c.4d5e']);
  });
  it('does not take a date or a sentence end for a Cisco MAC', () => {
    expect(detectPii('Shipped on 2024.11.30 and again in 2024. Then 2025.').filter((x) => x.type === 'MAC_ADDRESS')).toEqual([]);
  });
  it('a word cut by the edge of the context window is not a context word', () => {
    // the expiry's 48-character context window starts inside "mastercard", at "card"
    const cut = `mastercard ${'x'.repeat(42)} 07/27`;
    expect(cut.indexOf('07/27') - 48).toBe(cut.indexOf('card'));
    expect(detectPii(cut).map((x) => x.type)).not.toContain('CREDIT_DEBIT_CARD_EXPIRY');
    const whole = `card ${'x'.repeat(42)} 07/27`;
    expect(detectPii(whole).map((x) => x.type)).toContain('CREDIT_DEBIT_CARD_EXPIRY');
  });
  it('finds a bracketed phone number right after a numbered sentence', () => {
    const text = 'Step 12. (415) 555-0132 is the desk.';
    const f = detectPii(text).filter((x) => x.type === 'PHONE');
    expect(f.map((x) => text.slice(x.start, x.end))).toEqual(['(415) 555-0132']);
  });
  it('detects the same with a Unicode case mapping that changes the text length (no word index)', () => {
    const text = 'İstanbul office: SSN 536-22-8726, call (415) 555-0132, PIN 4821.';
    expect(new PiiDetector().detect(text).map((x) => x.type)).toEqual(['US_SOCIAL_SECURITY_NUMBER', 'PHONE', 'PIN']);
  });
});
