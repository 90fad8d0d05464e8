import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLuhnValid, simulate, transactionsInOrder } from '@riskstream/training';
import { simulatedTraffic } from '../../cli/src/simulated-traffic.ts';

const sim = simulate({ nCustomers: 50, nTerminals: 100, nbDays: 5, seed: 9 });
const truth = [...transactionsInOrder(sim)];

test('transactions leave the simulator\'s ground truth out; labels carry it, once each', () => {
  const traffic = simulatedTraffic(transactionsInOrder(sim));
  let n = 0;
  for (const tx of traffic.transactions) {
    const t = truth[n++]!;
    const { is_fraud: _f, fraud_scenario: _s, ...raw } = t;
    assert.deepEqual(tx, raw, 'without a run: the simulator\'s transaction minus its ground truth');
    assert.deepEqual(traffic.labelOf(tx), { transaction_id: t.transaction_id, terminal_id: t.terminal_id, event_time: t.event_time, is_fraud: t.is_fraud, labelled_at: t.event_time });
    assert.equal(traffic.labelOf(tx), undefined, 'a label is handed out once');
  }
  assert.equal(n, truth.length);
  assert.ok(truth.some((t) => t.is_fraud), 'the fixture has frauds to label');
});

test('a run gets its own ids, terminals and cards; the population and the labels stay the simulation\'s', () => {
  const runs = [77, 78].map((run) => {
    const traffic = simulatedTraffic(transactionsInOrder(sim), { run });
    return [...traffic.transactions].map((tx) => ({ tx, label: traffic.labelOf(tx)! }));
  });
  for (const [r, rows] of runs.entries()) {
    const tag = `r${77 + r}-`;
    const cardOf = new Map<string, string>();
    for (const [i, { tx, label }] of rows.entries()) {
      const t = truth[i]!;
      assert.equal(tx.transaction_id, tag + t.transaction_id);
      assert.equal(tx['terminal_id'], t.terminal_id === null ? null : tag + t.terminal_id);
      assert.equal(tx['amount'], t.amount);
      assert.equal(tx['event_time'], t.event_time);
      assert.ok(isLuhnValid(tx.card_number));
      assert.notEqual(tx.card_number, t.card_number);
      // One card per customer within a run.
      assert.equal(cardOf.get(String(tx['customer_id'])) ?? tx.card_number, tx.card_number);
      cardOf.set(String(tx['customer_id']), tx.card_number);
      assert.deepEqual(label, { transaction_id: tx.transaction_id, terminal_id: tx['terminal_id'], event_time: t.event_time, is_fraud: t.is_fraud, labelled_at: t.event_time });
    }
  }
  const cards = (rows: typeof runs[0]) => new Set(rows.map((r) => r.tx.card_number));
  const shared = [...cards(runs[0]!)].filter((c) => cards(runs[1]!).has(c));
  assert.deepEqual(shared, [], 'two runs share no card');
});

test('without labels nothing is kept: labelOf answers undefined', () => {
  const traffic = simulatedTraffic(transactionsInOrder(sim), { labels: false });
  let n = 0;
  for (const tx of traffic.transactions) {
    assert.equal(traffic.labelOf(tx), undefined);
    n++;
  }
  assert.equal(n, truth.length);
});
