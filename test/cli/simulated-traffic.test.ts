import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, transactionsInOrder } from '@riskstream/training';
import { simulatedTraffic } from '../../cli/src/simulated-traffic.ts';

const sim = simulate({ nCustomers: 50, nTerminals: 100, nbDays: 5, seed: 9 });

test('transactions leave the simulator\'s ground truth out; labels carry it, once each', () => {
  const truth = [...transactionsInOrder(sim)];
  const traffic = simulatedTraffic(transactionsInOrder(sim));
  let n = 0;
  for (const tx of traffic.transactions) {
    const t = truth[n++]!;
    assert.equal(tx.transaction_id, t.transaction_id);
    assert.equal('is_fraud' in tx || 'fraud_scenario' in tx, false);
    assert.equal(tx['terminal_id'], t.terminal_id, 'no tag: terminal ids unchanged');
    assert.deepEqual(traffic.labelOf(tx), { transaction_id: t.transaction_id, terminal_id: t.terminal_id, event_time: t.event_time, is_fraud: t.is_fraud, labelled_at: t.event_time });
    assert.equal(traffic.labelOf(tx), undefined, 'a label is handed out once');
  }
  assert.equal(n, truth.length);
  assert.ok(truth.some((t) => t.is_fraud), 'the fixture has frauds to label');
});

test('a terminal tag prefixes every terminal id, in the transaction and its label alike', () => {
  const traffic = simulatedTraffic(transactionsInOrder(sim), 's77-');
  let tagged = 0;
  for (const tx of traffic.transactions) {
    const label = traffic.labelOf(tx)!;
    assert.equal(label['terminal_id'], tx['terminal_id']);
    if (tx['terminal_id'] === null) continue;
    assert.match(String(tx['terminal_id']), /^s77-\d+$/);
    tagged++;
  }
  assert.ok(tagged > 0);
});
