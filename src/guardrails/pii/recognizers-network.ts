// Online identifiers: email, URL, IP and MAC addresses, AWS credentials.
import { contextWords, type PatternRecognizer } from './recognizer.js';
import type { PiiFinding } from './types.js';
import { ipValid } from './validators.js';

/** Trailing punctuation that ends a sentence rather than a URL. */
function trimUrl(v: string): number {
  let n = v.length;
  for (;;) {
    const c = v[n - 1];
    if (c === '.' || c === ',' || c === ';' || c === ':' || c === '!' || c === '?' || c === "'" || c === '"') n--;
    else if ((c === ')' && !v.slice(0, n - 1).includes('(')) || (c === ']' && !v.slice(0, n - 1).includes('['))) n--;
    else return n;
  }
}

const hasUpperLowerDigit = (v: string): boolean => /[A-Z]/.test(v) && /[a-z]/.test(v) && /\d/.test(v);

export const NETWORK_RECOGNIZERS: readonly PatternRecognizer[] = [
  {
    type: 'URL',
    regex: /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^]+/gi,
    score: 0.9,
    validate: (v) => {
      const n = trimUrl(v);
      return n > 8 ? [0.9, n] : false;
    },
    lead: 'keyword',
    keywords: ['http', 'ftp', 'www.'],
  },
  {
    type: 'IP_ADDRESS',
    regex: /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)/g,
    score: 0.85,
    validate: (v) => ipValid(v),
    raise: contextWords(['ip', 'ip address', 'address', 'server', 'host', 'client']),
    raiseBy: 0.1,
    lower: contextWords(['version', 'ver', 'release', 'v']),
    lowerBy: 0.5,
    needs: 'digit',
    lead: 'digit',
    shape: { run: [1, 2, 3], after: [{ runs: [[1, 3]], char: /\./ }] },
    minDigits: 4,
  },
  {
    type: 'IP_ADDRESS',
    // IPv6 with at least two colons; the parser decides (times like 12:30:45 and MAC addresses fail it)
    regex: /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|::?)(?:[0-9A-Fa-f]{0,4}:){1,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?:%\w+)?(?![\w:])/g,
    score: 0.85,
    validate: (v) => v.length > 3 && ipValid(v),
    needs: ':',
    lead: 'hexsep',
  },
  {
    type: 'MAC_ADDRESS',
    // no backreference for "the same separator throughout": it makes V8 scan ~30x slower; the validator checks it
    regex: /\b[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}\b(?![:-]\w)|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b(?!\.\w)/g,
    score: 0.9,
    validate: (v) => (v.includes('.') ? 0.7 : !(v.includes(':') && v.includes('-'))),
    raise: contextWords(['mac', 'mac address', 'hardware address', 'ethernet', 'wifi', 'wi-fi', 'bssid', 'device']),
    raiseBy: 0.2,
    lead: 'macsep',
  },
  {
    type: 'AWS_ACCESS_KEY',
    regex: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g,
    score: 0.95,
    needs: 'upper',
    lead: 'keyword',
    keywords: ['a3t', 'akia', 'asia', 'abia', 'acca', 'agpa', 'aida', 'aipa', 'anpa', 'anva', 'apka', 'aroa', 'asca'],
  },
  {
    type: 'AWS_SECRET_KEY',
    // 40 base64 characters look like many tokens and hashes: only with AWS/secret context nearby
    regex: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    score: 0.25,
    validate: (v) => hasUpperLowerDigit(v),
    raise: contextWords(['aws_secret_access_key', 'secret access key', 'secret_access_key', 'secret key', 'aws secret', 'secretaccesskey', 'secret', 'aws']),
    raiseBy: 0.55,
    needs: 'digit',
    lead: 'long',
    needsContext: true,
  },
];

const EMAIL_LOCAL = /[A-Za-z0-9._%+-]/;
const EMAIL_DOMAIN = /[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;

/** Email addresses, found from each '@' outwards: cheaper than a regex that must try every position. */
export function scanEmails(text: string, threshold: number, out: PiiFinding[]): void {
  const score = 0.95;
  if (score < threshold) return;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && start > at - 64 && EMAIL_LOCAL.test(text[start - 1]!)) start--;
    while (start < at && (text[start] === '.' || text[start] === '-')) start++;
    if (start === at) continue;
    EMAIL_DOMAIN.lastIndex = at + 1;
    const m = EMAIL_DOMAIN.exec(text);
    if (m === null) continue;
    out.push({ type: 'EMAIL', start, end: at + 1 + m[0].length, score });
  }
}
