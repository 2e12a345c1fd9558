import { log } from '../log';
import { createIngestDatabase, measureIngest, type IngestMode, type IngestResult } from '../pg-ingest';
import type { BenchContext } from './context';

/** (c) Raw PostgreSQL ingest of message rows: the storage ceiling. */
export async function ingest(ctx: BenchContext): Promise<void> {
  const { config } = ctx;
  ctx.markLoad('ingest');
  const db = await createIngestDatabase(config.messagePartitions, process.env['BENCH_DATABASE_URL']);
  const modes: IngestMode[] = ['single-row autocommit', 'unnest batch 100', 'unnest batch 500', 'copy 5000'];
  const out: IngestResult[] = [];
  try {
    for (const mode of modes) {
      for (const connections of config.ingestConnections) {
        await ctx.waitQuiet(`ingest ${mode}`);
        const r = await measureIngest(db.url, mode, connections, config.ingestSeconds, config.bodyBytes);
        log(`ingest ${mode} x${connections}: ${r.rowsPerSec} rows/s`);
        out.push(r);
      }
    }
  } finally {
    await db.drop().catch((err: unknown) => log(`could not drop ${db.name}: ${(err as Error).message}`));
  }
  ctx.results.ingest = out;
}
