/** A line of the bench's progress on stderr, stamped with the time of day. */
export const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
