export { ROLES, PERMISSIONS, can, isRole, parseRole, type Role, type Permission } from './roles.js';
export { assertMayUse, assertPermission, mayAccessTenant, type Principal } from './access.js';
export { API_KEY_PATTERN, API_KEY_SHAPE, KEY_ID_PATTERN, parseApiKey } from './key-format.js';
export { TENANT_PATTERN, TENANT_RULE, assertTenantName, validateKeyInput, type CreateKeyInput } from './key-input.js';
export { KeyStore, type ApiKeyInfo, type KeyStoreOptions } from './keys.js';
