import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../../cli/src/command.ts';
import { usage } from '../../../cli/src/main.ts';
import { demoCommand } from '../../../cli/src/commands/demo-command.ts';
import { modelsCommand } from '../../../cli/src/commands/models-command.ts';
import { simulateCommand } from '../../../cli/src/commands/simulate-command.ts';
import { stackCommand } from '../../../cli/src/commands/stack-command.ts';
import { trainCommand } from '../../../cli/src/commands/train-command.ts';
import { runCli } from './cli-io.ts';

// The commands these tests cover; main.ts may register more (each is checked generically below).
const COVERED: readonly Command[] = [stackCommand, simulateCommand, trainCommand, modelsCommand, demoCommand];
// No command below touches the registry, the stack or Kafka; an empty env keeps the shell's out.
const ENV = {};
// The command names `riskstream --help` lists, in order.
const LISTED = [...usage().matchAll(/^ {2}(\S+) {2,}\S/gm)].map((m) => m[1]!);

for (const flag of ['--help', '-h', 'help']) {
  test(`riskstream ${flag} exits 0 and lists every command with its summary`, async () => {
    const r = await runCli([flag], ENV);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, usage());
    assert.match(r.stdout, /^Usage: riskstream <command>/m);
    for (const c of COVERED) {
      assert.match(r.stdout, new RegExp(`^ {2}${c.name} +${escape(c.summary)}$`, 'm'), `${c.name} is listed`);
    }
    assert.equal(new Set(LISTED).size, LISTED.length, `no duplicates: ${LISTED.join(', ')}`);
    for (const c of COVERED) assert.ok(LISTED.includes(c.name), `${c.name} in ${LISTED.join(', ')}`);
  });
}

test('riskstream without a command prints the usage and exits 2', async () => {
  const r = await runCli([], ENV);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, usage());
});

test('an unknown command exits 2 naming it, with the usage on stderr', async () => {
  const r = await runCli(['frobnicate', '--help'], ENV);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^riskstream: unknown command "frobnicate"\n/);
  assert.ok(r.stderr.includes(usage()), 'usage follows the error');
});

for (const c of COVERED) {
  for (const flag of ['--help', '-h']) {
    test(`riskstream ${c.name} ${flag} exits 0 and prints its usage`, async () => {
      const r = await runCli([c.name, flag], ENV);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.startsWith(c.usage), `stdout starts with ${c.name}'s usage:\n${r.stdout}`);
      assert.match(r.stdout, new RegExp(`riskstream ${c.name}\\b`));
    });
  }
}

// Every listed command, including ones registered after these tests were written, has a working --help.
for (const name of LISTED.filter((n) => !COVERED.some((c) => c.name === n))) {
  test(`riskstream ${name} --help exits 0 and prints a usage`, async () => {
    const r = await runCli([name, '--help'], ENV);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, new RegExp(`riskstream ${name}\\b`));
  });
}

// `stack` reports its own usage errors (exit 2, with a pointer to --help rather than the whole usage).
for (const c of [simulateCommand, trainCommand, modelsCommand, demoCommand]) {
  test(`riskstream ${c.name} --no-such-flag exits 2 with the message and the command usage`, async () => {
    const r = await runCli([c.name, '--no-such-flag'], ENV);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^riskstream ${c.name}: Unknown option '--no-such-flag'`));
    assert.ok(r.stderr.includes(`\n\n${c.usage}\n`), `usage follows the error:\n${r.stderr}`);
  });
}

test('riskstream stack up --no-such-flag exits 2 naming the flag and pointing at --help', async () => {
  const r = await runCli(['stack', 'up', '--no-such-flag'], ENV);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /Unknown option '--no-such-flag'/);
  assert.match(r.stderr, /riskstream stack up --help/);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
