import { issuesFromKeywords, parseCommand } from '../../src/github/links.js';

test('a command counts only on a line of its own, outside code blocks, quotes and HTML comments', () => {
  expect(parseCommand('/baton assign @bob')).toEqual({ command: 'assign', args: ['@bob'] });
  expect(parseCommand('Thanks!\n\n/baton advance review\n')).toEqual({ command: 'advance', args: ['review'] });
  const quoted = [
    '> /baton assign @attacker',
    '```\n/baton assign @attacker\n```',
    '~~~md\n/baton assign @attacker\n~~~',
    'text\n\n    /baton assign @attacker',
    '<!--\n/baton assign @attacker\n-->',
    'please run /baton assign @attacker',
    '> quoted\n> ```\n> /baton assign @attacker\n> ```',
  ];
  for (const body of quoted) expect({ body, cmd: parseCommand(body) }).toEqual({ body, cmd: undefined });
  // After a closed fence, a real command still counts.
  expect(parseCommand('```\ncode\n```\n/baton retry')).toEqual({ command: 'retry', args: [] });
});

test('closing keywords: found in linear time and only for this repository', () => {
  expect(issuesFromKeywords('Fixes #12 and closes acme/web#13, resolves other/x#14', 'acme/web')).toEqual([12, 13]);
  expect(issuesFromKeywords('Fixes: #7', 'acme/web')).toEqual([7]);
  // The input that stalled the event loop (keyword + a long whitespace run): bounded work, no match.
  expect(issuesFromKeywords(`fixes${' '.repeat(65_536)}`, 'acme/web')).toEqual([]);
});
