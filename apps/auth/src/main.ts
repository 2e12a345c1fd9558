import { runMain } from '@parley/shared/util-service';
import { bootstrap, migrate } from './bootstrap';

runMain('auth', async () => {
  if (process.argv[2] === 'migrate') {
    const applied = await migrate();
    process.stdout.write(
      `auth: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}\n`,
    );
    process.exit(0);
  }
  await bootstrap();
});
