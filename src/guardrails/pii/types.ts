/** The 31 PII entity types of Amazon Bedrock Guardrails, spelled exactly as Bedrock spells them. */
export const PII_ENTITY_TYPES = [
  'ADDRESS',
  'AGE',
  'NAME',
  'EMAIL',
  'PHONE',
  'USERNAME',
  'PASSWORD',
  'DRIVER_ID',
  'LICENSE_PLATE',
  'VEHICLE_IDENTIFICATION_NUMBER',
  'CREDIT_DEBIT_CARD_CVV',
  'CREDIT_DEBIT_CARD_EXPIRY',
  'CREDIT_DEBIT_CARD_NUMBER',
  'PIN',
  'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
  'SWIFT_CODE',
  'IP_ADDRESS',
  'MAC_ADDRESS',
  'URL',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'US_BANK_ACCOUNT_NUMBER',
  'US_BANK_ROUTING_NUMBER',
  'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER',
  'US_PASSPORT_NUMBER',
  'US_SOCIAL_SECURITY_NUMBER',
  'CA_HEALTH_NUMBER',
  'CA_SOCIAL_INSURANCE_NUMBER',
  'UK_NATIONAL_HEALTH_SERVICE_NUMBER',
  'UK_NATIONAL_INSURANCE_NUMBER',
  'UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER',
] as const;

/** One of Bedrock's built-in PII entity types. */
export type PiiEntityType = (typeof PII_ENTITY_TYPES)[number];

/** A finding's type: a built-in entity type or the name of a custom regex entity. */
export type PiiFindingType = PiiEntityType | (string & Record<never, never>);

/** One detected entity: a half-open UTF-16 span [start, end) of the scanned text and a confidence in [0, 1]. */
export interface PiiFinding {
  type: PiiFindingType;
  start: number;
  end: number;
  score: number;
}

/** A user-defined regex entity (Bedrock's "regexes" in a sensitive-information policy). */
export interface CustomEntityDefinition {
  /** the finding type reported for matches, e.g. BOOKING_ID */
  name: string;
  /** JavaScript regular-expression source */
  pattern: string;
  /** regex flags; g is always added, y is not allowed */
  flags?: string;
  /** confidence given to every match (default 0.9) */
  score?: number;
}

/** The default confidence threshold: findings scoring below it are dropped. */
export const DEFAULT_PII_THRESHOLD = 0.5;

const TYPE_SET: ReadonlySet<string> = new Set(PII_ENTITY_TYPES);

/** True when `s` is one of the 31 built-in entity type names. */
export function isPiiEntityType(s: string): s is PiiEntityType {
  return TYPE_SET.has(s);
}
