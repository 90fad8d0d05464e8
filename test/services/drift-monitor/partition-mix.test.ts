import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionMix } from '../../../services/drift-monitor/src/partition-mix.ts';

test('a window interleaving every partition is representative; one read partition by partition is not', () => {
  const mix = new PartitionMix(600);
  for (let i = 0; i < 600; i++) mix.add(i % 6);
  assert.equal(mix.size, 600);
  assert.ok(Math.abs(mix.minShare(6) - 1 / 6) < 1e-12);
  assert.equal(mix.representative(6), true);
  // A catch-up burst from partition 2: the ring forgets the oldest events as the burst fills it.
  for (let i = 0; i < 500; i++) mix.add(2);
  assert.equal(mix.size, 600);
  assert.ok(mix.minShare(6) < 1 / 18, `min share ${mix.minShare(6)}`);
  assert.equal(mix.representative(6), false);
  // Interleaved traffic again refills the window with every partition.
  for (let i = 0; i < 600; i++) mix.add(i % 6);
  assert.equal(mix.representative(6), true);
});

test('the threshold is a third of a fair share; one expected partition never blocks; reset empties', () => {
  const mix = new PartitionMix(90);
  // partitions 0 and 1 hold 40 each, partition 2 holds 10: 10/90 < 1/9? no, 1/9 = 10/90 exactly -> representative
  for (let i = 0; i < 40; i++) mix.add(0);
  for (let i = 0; i < 40; i++) mix.add(1);
  for (let i = 0; i < 10; i++) mix.add(2);
  assert.equal(mix.representative(3), true);
  mix.add(0); // partition 2 drops to 9/90 as... the ring evicts the oldest (a partition-0 event), so shares stay
  assert.equal(mix.representative(3), true);
  const lone = new PartitionMix(10);
  for (let i = 0; i < 10; i++) lone.add(4);
  assert.equal(lone.representative(1), true);
  assert.equal(lone.representative(2), false);
  lone.reset();
  assert.equal(lone.size, 0);
  assert.equal(lone.minShare(1), 0);
});
