import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../../services/scoring/src/decision.ts';

test('decision thresholds: >= decline declines, >= review reviews, below approves', () => {
  const t = { review: 0.3, decline: 0.8 };
  assert.equal(decide(0, t), 'APPROVE');
  assert.equal(decide(0.2999999, t), 'APPROVE');
  assert.equal(decide(0.3, t), 'REVIEW');
  assert.equal(decide(0.7999, t), 'REVIEW');
  assert.equal(decide(0.8, t), 'DECLINE');
  assert.equal(decide(1, t), 'DECLINE');
});

test('decision thresholds: review == decline leaves no REVIEW band; 1/1 declines only certainty', () => {
  assert.equal(decide(0.5, { review: 0.5, decline: 0.5 }), 'DECLINE');
  assert.equal(decide(0.49, { review: 0.5, decline: 0.5 }), 'APPROVE');
  assert.equal(decide(0.99, { review: 1, decline: 1 }), 'APPROVE');
});
