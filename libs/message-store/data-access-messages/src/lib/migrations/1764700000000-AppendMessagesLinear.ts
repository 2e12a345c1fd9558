import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyAppendMessagesFunctions } from '../functions/append-messages.functions';

/**
 * Re-applies append_messages() (this migration brought its linear-time body, docs/benchmarks.md).
 * Its down() keeps the current definition: there is one definition, not one copy per version.
 */
export class AppendMessagesLinear1764700000000 implements MigrationInterface {
  name = 'AppendMessagesLinear1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await applyAppendMessagesFunctions(q);
  }

  async down(): Promise<void> {
    // Nothing to undo: the previous body is the same function's history (git), not a copy here.
  }
}
