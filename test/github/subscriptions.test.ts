// app.yml's default_events against the events Baton reads. GitHub delivers an App only the events it subscribes to
// (https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/using-webhooks-with-github-apps): an
// event read but not subscribed never arrives, and one subscribed but never read costs a delivery for nothing.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { APP_EVENTS, EVENTS_READ_ELSEWHERE, GITHUB_EVENTS } from '../../src/github/events.js';
import { ALWAYS_SENT_EVENTS } from '../../src/sandbox/world.js';

const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as { default_events: string[] };

test('the App subscribes to every event it reads, and reads every event it subscribes to', () => {
  const subscribable = EVENTS_READ_ELSEWHERE.filter((e) => !ALWAYS_SENT_EVENTS.includes(e));
  expect([...manifest.default_events].sort()).toEqual([...APP_EVENTS, ...subscribable].sort());
});

test('events only the Action gets are not asked of the App, and events GitHub always sends are not listed', () => {
  const actionOnly = GITHUB_EVENTS.filter((e) => !APP_EVENTS.includes(e));
  expect(actionOnly).toEqual(['workflow_run']);
  for (const e of [...actionOnly, ...ALWAYS_SENT_EVENTS]) expect(manifest.default_events).not.toContain(e);
});
