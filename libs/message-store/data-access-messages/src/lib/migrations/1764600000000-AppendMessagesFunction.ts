import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyAppendMessagesFunctions, dropAppendMessagesFunctions } from '../functions/append-messages.functions';

/** append_messages(): a whole group-commit batch in one round trip (functions/append-messages.functions.ts). */
export class AppendMessagesFunction1764600000000 implements MigrationInterface {
  name = 'AppendMessagesFunction1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await applyAppendMessagesFunctions(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropAppendMessagesFunctions(q);
  }
}
