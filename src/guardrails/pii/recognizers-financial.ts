// Payment cards, bank accounts and bank identifiers.
import { contextWords, type PatternRecognizer } from './recognizer.js';
import { abaRoutingValid, cardNumberValid, expiryValid, ibanValid, swiftValid } from './validators.js';

const ORDERISH = ['order', 'order number', 'tracking', 'invoice', 'reference', 'ref', 'confirmation', 'ticket', 'isbn', 'serial', 'sku'];

const cardContext = contextWords(['card', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'american express', 'discover', 'cc', 'pan', 'charge', 'paid with', 'pay with']);

export const FINANCIAL_RECOGNIZERS: readonly PatternRecognizer[] = [
  {
    type: 'CREDIT_DEBIT_CARD_NUMBER',
    // 4-4-4-1..7 (Visa, Mastercard, Discover, JCB…) or 4-6-4/5 (Amex, Diners), one separator style throughout
    regex: /(?<![\w-])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}(?:\1\d{3})?|\d{4}([ -]?)\d{6}\2\d{4,5})(?![\w]|[ -]\d)/g,
    score: 0.9,
    validate: (v) => cardNumberValid(v),
    raise: cardContext,
    raiseBy: 0.1,
    lower: contextWords(ORDERISH),
    lowerBy: 0.45,
    needs: 'digit',
    lead: 'digit',
    // four digits and a separator, or 13-22 digits unbroken
    shape: { run: [4, [13, 22]], after: [{ runs: [4], char: /[ -]/ }] },
    minDigits: 13,
  },
  {
    type: 'CREDIT_DEBIT_CARD_CVV',
    regex: /\b(?:cvv2?|cvc2?|cvn|cid|csc|security code|card verification (?:value|code)|verification code)\b[^0-9\n]{0,20}?(?<!\d)(\d{3,4})(?!\d)/gi,
    group: 1,
    score: 0.85,
    needs: 'digit',
    lead: 'keyword',
    keywords: ['cvv', 'cvc', 'cvn', 'cid', 'csc', 'security code', 'card verification', 'verification code'],
  },
  {
    type: 'CREDIT_DEBIT_CARD_EXPIRY',
    regex: /(?<![\w/.:-])(?:0?[1-9]|1[0-2])\s?[/-]\s?(?:20\d{2}|\d{2})(?![\w/]|-\d|\.\d)/g,
    score: 0.35,
    validate: (v) => expiryValid(v),
    raise: contextWords(['exp', 'expiry', 'expires', 'expiring', 'expiration', 'exp date', 'valid thru', 'valid through', 'good thru', 'valid until', 'mm/yy', 'card']),
    raiseBy: 0.5,
    lower: contextWords(['born', 'birth', 'dob', 'date of birth', 'dated', 'on']),
    lowerBy: 0.2,
    needs: 'digit',
    lead: 'digit',
    shape: { run: [1, 2], after: [{ runs: [1, 2], char: /[\s/-]/ }] },
    minDigits: 3,
    needsContext: true,
  },
  {
    type: 'PIN',
    regex: /\b(?:pin|pin code|pin number|atm pin|debit pin|card pin)\b(?:\s*(?:is|was|number|code|[:=#-]))*\s*(\d{4,6})(?!\d)/gi,
    group: 1,
    score: 0.85,
    needs: 'digit',
    lead: 'keyword',
    keywords: ['pin', 'atm pin', 'debit pin', 'card pin'],
  },
  {
    type: 'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
    // up to 34 characters, printed in groups of four or unbroken; the validator trims groups that belong to the next word
    regex: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
    score: 0.95,
    validate: (v) => {
      let s = v;
      for (;;) {
        if (ibanValid(s)) return [0.95, s.length];
        const cut = s.lastIndexOf(' ');
        if (cut < 15) return false;
        s = s.slice(0, cut);
      }
    },
    needs: 'digit',
    lead: 'upper',
    shape: { letters: [2] },
  },
  {
    type: 'SWIFT_CODE',
    regex: /\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b/g,
    score: 0.3,
    validate: (v) => swiftValid(v),
    raise: contextWords(['swift', 'bic', 'swift code', 'swift/bic', 'bank identifier', 'bank code', 'wire', 'sort']),
    raiseBy: 0.55,
    needs: 'upper',
    lead: 'upper',
    shape: { letters: [[6, 31]], word: [8, 11] },
    needsContext: true,
  },
  {
    type: 'US_BANK_ROUTING_NUMBER',
    regex: /(?<![\w-])\d{9}(?![\w]|-\d)/g,
    score: 0.3,
    validate: (v) => abaRoutingValid(v),
    raise: contextWords(['routing', 'aba', 'rtn', 'routing number', 'routing no', 'transit number', 'abartn']),
    raiseBy: 0.55,
    needs: 'digit',
    lead: 'digit',
    shape: { run: [9], word: [9] },
    minDigits: 9,
    needsContext: true,
  },
  {
    type: 'US_BANK_ACCOUNT_NUMBER',
    regex: /(?<![\w-])\d{8,17}(?![\w]|-\d)/g,
    score: 0.1,
    raise: contextWords(['account', 'acct', 'a/c', 'account number', 'account no', 'checking', 'savings', 'bank account', 'deposit to', 'direct deposit', 'transfer', 'balance', 'wire to', 'iban']),
    raiseBy: 0.55,
    needs: 'digit',
    lead: 'digit',
    shape: { run: [[8, 17]], word: [[8, 17]] },
    minDigits: 8,
    needsContext: true,
  },
];
