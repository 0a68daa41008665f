import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const HEALTH = join(import.meta.dirname, '../../src/health');

// health/ checks templates and schedules reports; how they look in Slack and how they get there is slack/'s
// (its publisher and the /clone health subcommand), behind the HealthPublisher port.
it('src/health imports nothing from slack/', async () => {
  const offenders: string[] = [];
  for (const name of await readdir(HEALTH)) {
    const text = await readFile(join(HEALTH, name), 'utf8');
    if (/from '\.\.\/slack\//.test(text)) offenders.push(name);
  }
  expect(offenders).toEqual([]);
});
