// Personal attributes introduced by a keyword (age, credentials) and phone numbers.
import { contextWords, type PatternRecognizer } from './recognizer.js';
import { digitsOf } from './validators.js';

/** Words that follow "password"/"username" in prose without being the secret itself. */
const NOT_A_VALUE = new Set([
  'is', 'was', 'for', 'and', 'the', 'to', 'of', 'reset', 'manager', 'managers', 'policy', 'policies', 'change', 'changed',
  'expired', 'expires', 'please', 'field', 'again', 'it', 'that', 'this', 'you', 'your', 'my', 'a', 'an', 'with', 'has',
  'have', 'will', 'must', 'should', 'requirements', 'protected', 'hint', 'recovery', 'incorrect', 'wrong', 'length',
  'strength', 'here', 'there', 'below', 'above', 'or', 'but', 'not', 'on', 'in', 'at', 'by', 'before', 'after', 'yet',
  'entry', 'prompt', 'login', 'page', 'screen', 'box', 'same', 'used', 'email', 'sent', 'link',
]);

const phoneLower = contextWords(['order', 'order number', 'tracking', 'invoice', 'reference', 'ref', 'confirmation', 'isbn', 'serial', 'nhs', 'health', 'account', 'routing', 'ssn', 'sin', 'utr', 'passport', 'licence', 'license']);
const phoneRaise = contextWords(['phone', 'call', 'tel', 'telephone', 'mobile', 'cell', 'fax', 'text me', 'text', 'sms', 'reach', 'office', 'landline', 'whatsapp', 'contact', 'dial', 'ph', 'mob']);

/** NANP area codes and exchanges never start with 0 or 1. */
function nanpValid(v: string): boolean {
  let d = digitsOf(v);
  if (d.length === 11 && d[0] === '1') d = d.slice(1);
  return d.length === 10 && d[0] !== '0' && d[0] !== '1' && d[3] !== '0' && d[3] !== '1';
}

export const PERSONAL_RECOGNIZERS: readonly PatternRecognizer[] = [
  {
    type: 'AGE',
    regex: /\b(\d{1,3})(?:\s?-?\s?(?:years?|yrs?)(?:[- ]old|[- ]of[- ]age)|-year-old|\s?(?:yo|y\/o|y\.o\.))\b/gi,
    group: 1,
    score: 0.85,
    validate: (v) => Number(v) > 0 && Number(v) <= 120,
    needs: 'digit',
    lead: 'digit',
    shape: { run: [1, 2, 3], after: [{ runs: [[1, 3]], char: /[\s\-yY]/ }] },
    minDigits: 1,
  },
  {
    type: 'AGE',
    regex: /\b(?:age|aged|ages)\b\s*(?:is|of|[:=])?\s*(\d{1,3})\b(?!\s?(?:%|percent|days|weeks|months|minutes|hours|mg|kg|lbs))|\b(?:i am|i'm) (\d{1,3})(?= and\b| years|,|\.(?!\d)|$)/gi,
    score: 0.8,
    validate: (v) => Number(v) > 0 && Number(v) <= 120,
    needs: 'digit',
    lead: 'keyword',
    keywords: ['age', 'i am', "i'm"],
    // either alternative's number
    group: -1,
  },
  {
    type: 'PASSWORD',
    regex: /\b(?:password|passwd|pwd|passphrase|pass phrase|passcode|pw)\b((?:\s*(?:is|was|to|as|[:=]|->))*)\s*["'“‘]?([^\s"'”’`]{4,64}?)["'”’]?(?=[\s,;)]|[.!?](?:\s|$)|$)/gi,
    group: 2,
    score: 0.85,
    validate: (v, m) => {
      if (NOT_A_VALUE.has(v.toLowerCase())) return false;
      // after an explicit "is" / ":" the next word is the value; otherwise it must look like a secret
      if ((m[1] ?? '').trim() !== '') return true;
      return /[\d!@#$%^&*_+=~]/.test(v) ? 0.7 : false;
    },
    lead: 'keyword',
    keywords: ['password', 'passwd', 'pwd', 'passphrase', 'pass phrase', 'passcode', 'pw'],
  },
  {
    type: 'USERNAME',
    regex: /\b(?:user ?name|user id|userid|login|log-in|handle|screen name|account name|gamertag|user)\b((?:\s*(?:is|was|[:=]))*)\s*["'“]?(@?[A-Za-z0-9][A-Za-z0-9._-]{2,31})(?![\w@])/gi,
    group: 2,
    score: 0.8,
    validate: (v, m) => {
      if (NOT_A_VALUE.has(v.toLowerCase())) return false;
      if ((m[1] ?? '').trim() !== '') return true;
      return /[\d._]/.test(v) ? 0.7 : false;
    },
    lead: 'keyword',
    keywords: ['user', 'login', 'log-in', 'handle', 'screen name', 'account name', 'gamertag'],
  },
  {
    type: 'USERNAME',
    // "creds: user / secret"
    regex: /\b(?:creds|credentials|login|log-in)\s*[:=]\s*([^\s/:]{3,32})\s*[/:]\s*[^\s]{4,64}/gi,
    group: 1,
    score: 0.8,
    lead: 'keyword',
    keywords: ['creds', 'credentials', 'login', 'log-in'],
  },
  {
    type: 'PASSWORD',
    regex: /\b(?:creds|credentials|login|log-in)\s*[:=]\s*[^\s/:]{3,32}\s*[/:]\s*([^\s]{4,64})(?=\s|$)/gi,
    group: 1,
    score: 0.8,
    lead: 'keyword',
    keywords: ['creds', 'credentials', 'login', 'log-in'],
  },
  {
    type: 'USERNAME',
    // social handles; the lookbehind keeps email addresses out
    regex: /(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.]{1,29}[A-Za-z0-9_])(?![\w@]|\.\w)/g,
    score: 0.6,
    raise: contextWords(['twitter', 'instagram', 'tiktok', 'follow', 'handle', 'github', 'slack', 'telegram', 'username', 'dm']),
    raiseBy: 0.3,
    lead: 'at',
  },
  {
    type: 'PHONE',
    // NANP with separators or parentheses, optional +1
    regex: /(?<![\w+-])(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w]|[-.]\d)/g,
    score: 0.65,
    validate: (v) => nanpValid(v),
    raise: phoneRaise,
    raiseBy: 0.3,
    lower: phoneLower,
    lowerBy: 0.3,
    needs: 'digit',
    lead: 'digit',
    // +1 or 1 then a separator or parenthesis, 1415-…, (415), 415-…
    shape: { symbol: true, run: [1, 3, 4], after: [{ runs: [1, 3, 4], char: /[ .()-]/ }] },
    minDigits: 8,
  },
  {
    type: 'PHONE',
    // international numbers written with +country code
    regex: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,5}(?![\w]|[-.]\d)/g,
    score: 0.75,
    validate: (v) => {
      const n = digitsOf(v).length;
      return n >= 8 && n <= 15;
    },
    raise: phoneRaise,
    raiseBy: 0.2,
    needs: 'digit',
    lead: 'digit',
    shape: { symbol: 'only' },
    minDigits: 8,
  },
  {
    type: 'PHONE',
    // UK national format (020 7946 0958, 07700 900123) and bare NANP ten digits
    regex: /(?<![\w+-])(?:0\d{2,4} \d{3,4} ?\d{3,4}|0\d{9,10}|[2-9]\d{9})(?![\w]|[-.]\d)/g,
    score: 0.35,
    validate: (v) => {
      const n = digitsOf(v).length;
      if (v[0] === '0') return (n === 10 || n === 11) ? (v.includes(' ') ? 0.55 : 0.35) : false;
      return nanpValid(v) ? 0.3 : false;
    },
    raise: phoneRaise,
    raiseBy: 0.35,
    lower: phoneLower,
    lowerBy: 0.3,
    needs: 'digit',
    lead: 'digit',
    shape: { run: [3, 4, 5, 10, 11], after: [{ runs: [3, 4, 5], char: / / }] },
    minDigits: 8,
  },
];
