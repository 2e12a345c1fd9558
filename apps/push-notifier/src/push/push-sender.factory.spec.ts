import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getApps } from 'firebase-admin/app';
import { DryRunPushSender } from './dry-run-push-sender';
import { FirebasePushSender } from './firebase-push-sender';
import { createPushSender } from './push-sender.factory';

describe('createPushSender', () => {
  const dir = mkdtempSync(join(tmpdir(), 'push-sa-'));

  it('runs DRY-RUN without credentials, recording pushes with the token cut to its last 6 characters', async () => {
    const sender = createPushSender({ credentialsPath: null });
    expect(sender).toBeInstanceOf(DryRunPushSender);
    const results = await sender.send([{ token: 'abcdefghijkl-123456', data: { chatId: 'c1', count: '2' } }]);
    expect(results).toEqual([{ token: 'abcdefghijkl-123456', outcome: 'sent' }]);
    expect((sender as DryRunPushSender).recorded).toEqual([
      expect.objectContaining({ tokenTail: '…123456', data: { chatId: 'c1', count: '2' } }),
    ]);
  });

  it('uses firebase-admin with the service account file, and releases its App on shutdown', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const path = join(dir, 'sa.json');
    writeFileSync(
      path,
      JSON.stringify({
        type: 'service_account',
        project_id: 'parley-test',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: 'push@parley-test.iam.gserviceaccount.com',
      }),
    );
    const before = getApps().length;
    const sender = createPushSender({ credentialsPath: path });
    expect(sender).toBeInstanceOf(FirebasePushSender);
    expect(getApps()).toHaveLength(before + 1);
    await (sender as FirebasePushSender).onApplicationShutdown();
    expect(getApps()).toHaveLength(before);
  });

  it('fails start-up with a clear message when the credentials file is unusable', () => {
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{ not json');
    expect(() => createPushSender({ credentialsPath: bad })).toThrow(
      /^GOOGLE_APPLICATION_CREDENTIALS: cannot load a service account from .*broken\.json/,
    );
    expect(() => createPushSender({ credentialsPath: join(dir, 'missing.json') })).toThrow(
      /GOOGLE_APPLICATION_CREDENTIALS/,
    );
  });
});
