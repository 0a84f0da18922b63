/**
 * Tenant names: 1–63 characters of lower-case letters, digits, '.', '_' and '-', starting with a
 * letter or digit. Lower case only, so 'Acme' and 'acme' can never split one customer's usage and
 * budgets in two; 63 characters and no spaces or ':' so a tenant fits a DNS label, a metric label,
 * a Redis key segment and a file name without escaping.
 */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const TENANT_RULE = "use 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";
