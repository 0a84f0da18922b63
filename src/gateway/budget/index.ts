export { BudgetGuard, type BudgetRule, type BudgetDecision, type BudgetGuardOptions } from './guard.js';
export { MemorySpendStore, RedisSpendStore, type SpendStore } from './spend-store.js';
export { windowStart, windowEnd, type BudgetWindow } from './window.js';
