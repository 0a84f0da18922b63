import { afterAll, describe, expect, it } from 'vitest';
import { InvocationWriter, MIGRATIONS, getInvocation, migrate } from '../../src/store/index.js';
import { invocationGuardrailMigration } from '../../src/store/migrations/0013-invocation-guardrail.js';
import { testEngines } from '../store/engines.js';
import { makeRecord } from '../store/records.js';

// Guardrail interventions on invocation records, written by the InvocationWriter on both engines
// (PostgreSQL when STRATA_TEST_DATABASE_URL is set).

for (const engine of testEngines('guard_records')) {
  describe(`guardrail columns on '${engine.name}'`, () => {
    afterAll(() => engine.cleanup());

    it('stores the policy and its interventions, and reads records of unguarded routes without them', async () => {
      const store = await engine.database().open();
      try {
        // migration 13 is applied here until migrations/index.ts lists it
        if (!MIGRATIONS.some((m) => m.id === invocationGuardrailMigration.id)) await migrate(store.db, store.dialect, [...MIGRATIONS, invocationGuardrailMigration]);
        const writer = new InvocationWriter(store);
        const interventions = [
          { side: 'input' as const, check: 'pii', action: 'ANONYMIZED' as const, types: ['EMAIL', 'NAME'] },
          { side: 'output' as const, check: 'word', action: 'BLOCKED' as const, types: ['CUSTOM'] },
        ];
        writer.enqueue(makeRecord({ id: 'inv_guarded', guardrail: 'support', guardrailInterventions: interventions, finishReason: 'content_filter' }));
        writer.enqueue(makeRecord({ id: 'inv_detected_none', guardrail: 'support', guardrailInterventions: [] }));
        writer.enqueue(makeRecord({ id: 'inv_plain' }));
        await writer.flush();
        // a batch written again (a retried commit) keeps the stored row, guardrail columns included
        writer.enqueue(makeRecord({ id: 'inv_guarded', guardrail: 'other', guardrailInterventions: [], finishReason: 'stop' }));
        writer.enqueue(makeRecord({ id: 'inv_plain', guardrail: 'other', guardrailInterventions: [] }));
        await writer.close();
        expect(writer.droppedRecords).toBe(0);
        expect(await getInvocation(store, 'inv_guarded')).toMatchObject({ guardrail: 'support', guardrailInterventions: interventions, finishReason: 'content_filter' });
        expect(await getInvocation(store, 'inv_detected_none')).toMatchObject({ guardrail: 'support', guardrailInterventions: null });
        const plain = await getInvocation(store, 'inv_plain');
        expect(plain).toBeDefined();
        expect(plain!.guardrail).toBeUndefined();
      } finally {
        await store.close();
      }
    });
  });
}
