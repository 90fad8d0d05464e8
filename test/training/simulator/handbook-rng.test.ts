// Expected values come from numpy 1.24 (np.random.RandomState, np.argsort) and CPython 3.11 (random).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mt19937 } from '../../../training/src/simulator/handbook-rng/mt19937.ts';
import { NumpyRandomState } from '../../../training/src/simulator/handbook-rng/numpy-random-state.ts';
import { PythonRandom } from '../../../training/src/simulator/handbook-rng/python-random.ts';
import { numpyQuicksortArgsort } from '../../../training/src/simulator/handbook-rng/numpy-argsort.ts';

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

test('MT19937 matches the reference implementation (mt19937ar) for both seedings', () => {
  const mt = new Mt19937();
  mt.seedWithInteger(5489);
  assert.equal(mt.nextUint32(), 3499211612);
  mt.seedWithArray([0x123, 0x234, 0x345, 0x456]);
  assert.deepEqual(
    range(5).map(() => mt.nextUint32()),
    [1067595299, 955945823, 477289528, 4107218783, 4228976476],
  );
  assert.throws(() => new Mt19937().nextUint32(), /seed/);
});

test('numpy RandomState(0): random_sample, uniform, normal (with its cached pair), reseeding', () => {
  let rs = new NumpyRandomState(0);
  assert.deepEqual(range(3).map(() => rs.randomSample()), [0.5488135039273248, 0.7151893663724195, 0.6027633760716439]);
  rs = new NumpyRandomState(0);
  assert.deepEqual([rs.uniform(5, 100), rs.uniform(5, 100)], [57.13728287309585, 72.94298980537985]);
  rs = new NumpyRandomState(0);
  assert.deepEqual(
    range(4).map(() => rs.normal(0, 1)),
    [1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458],
  );
  rs = new NumpyRandomState(0);
  assert.equal(rs.normal(43200, 20000), 78481.04691935328);
  // seed() drops the cached second gaussian.
  rs = new NumpyRandomState(0);
  rs.normal(0, 1);
  rs.seed(0);
  assert.equal(rs.normal(0, 1), 1.764052345967664);
  assert.equal(new NumpyRandomState(2 ** 32 - 1).randomSample(), 0.0976320289940138);
  assert.throws(() => new NumpyRandomState(-1), RangeError);
  assert.throws(() => new NumpyRandomState(2 ** 32), RangeError);
});

test('numpy poisson (multiplication method below 10)', () => {
  let rs = new NumpyRandomState(0);
  assert.deepEqual(range(15).map(() => rs.poisson(2.5)), [4, 5, 3, 1, 7, 3, 3, 1, 5, 2, 3, 2, 2, 1, 2]);
  rs = new NumpyRandomState(0);
  assert.deepEqual(range(15).map(() => rs.poisson(0.3)), [0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 1, 0, 0, 1, 2]);
  rs = new NumpyRandomState(42);
  assert.deepEqual(range(8).map(() => rs.poisson(9.9)), [10, 10, 9, 9, 12, 6, 10, 10]);
  assert.equal(new NumpyRandomState(0).poisson(0), 0);
  assert.throws(() => new NumpyRandomState(0).poisson(10), /PTRS/);
  assert.throws(() => new NumpyRandomState(0).poisson(-1), RangeError);
});

test('numpy permutation and choice without replacement (= pandas sample(n, random_state))', () => {
  assert.deepEqual(Array.from(new NumpyRandomState(0).permutation(10)), [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
  assert.deepEqual(Array.from(new NumpyRandomState(0).permutation(1)), [0]);
  const terminals = [0, 1, 2].map((d) => Array.from(new NumpyRandomState(d).choiceWithoutReplacement(10_000, 2)));
  assert.deepEqual(terminals, [[9394, 898], [9953, 3850], [7878, 3224]]);
  const customers = [0, 1, 2].map((d) => Array.from(new NumpyRandomState(d).choiceWithoutReplacement(5_000, 3)));
  assert.deepEqual(customers, [[398, 3833, 4836], [2764, 4767, 3814], [3566, 4252, 1918]]);
});

test('CPython random: seed, random, getrandbits, choice', () => {
  let r = new PythonRandom(0);
  assert.deepEqual(range(3).map(() => r.random()), [0.8444218515250481, 0.7579544029403025, 0.420571580830845]);
  r = new PythonRandom(1);
  assert.deepEqual([r.random(), r.random()], [0.13436424411240122, 0.8474337369372327]);
  // Two key words, and |n| for negative seeds.
  r = new PythonRandom(2 ** 32);
  assert.deepEqual([r.random(), r.random()], [0.11299430095636409, 0.41782886486292836]);
  assert.equal(new PythonRandom(-3).random(), 0.23796462709189137);
  r = new PythonRandom(0);
  assert.deepEqual([1, 5, 16, 32].map((k) => r.getrandbits(k)), [1, 12, 49673, 3823568514]);
  r = new PythonRandom(0);
  const hundred = range(100);
  assert.deepEqual(range(10).map(() => r.choice(hundred)), [49, 97, 53, 5, 33, 65, 62, 51, 38, 61]);
  assert.throws(() => new PythonRandom(0).choice([]), RangeError);
});

test('CPython random.sample: pool method, set method, k = 0', () => {
  let r = new PythonRandom(0);
  assert.deepEqual(r.sample(range(30, 10), 10), [37, 22, 34, 23, 11, 18, 26, 25, 38, 19]);
  r = new PythonRandom(0);
  assert.deepEqual(r.sample(range(1000), 8), [864, 394, 776, 911, 430, 41, 265, 988]);
  r = new PythonRandom(7);
  assert.deepEqual(r.sample(range(100), 3), [41, 19, 50]);
  assert.deepEqual(new PythonRandom(0).sample(range(5), 0), []);
  assert.throws(() => new PythonRandom(0).sample(range(5), 6), RangeError);
});

test('numpy argsort(kind="quicksort"): same (unstable) order of equal keys as numpy', () => {
  const keys = [
    5, 3, 5, 1, 5, 3, 3, 1, 5, 5, 2, 2, 5, 3, 1, 0, 5, 3, 3, 3, 5, 2, 1, 1, 5, 2, 4, 4, 5, 5, 0, 3, 5, 1, 2,
  ];
  assert.deepEqual(
    Array.from(numpyQuicksortArgsort(Int32Array.from(keys))),
    [
      30, 15, 3, 23, 22, 7, 33, 14, 34, 25, 21, 10, 11, 31, 19, 18, 17, 13, 1, 6, 5, 27, 26, 32, 2, 29, 28, 4, 24, 8,
      20, 9, 12, 16, 0,
    ],
  );
  // A median-of-3 killer (McIlroy's adversary, with ties): exhausts the depth budget, so the partition
  // is finished by numpy's heapsort.
  const killer = [
    0, 10, 1, 11, 2, 19, 3, 18, 4, 19, 5, 18, 6, 17, 7, 17, 8, 16, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 15, 14, 14,
    13, 13, 12, 12, 16, 11,
  ];
  assert.deepEqual(
    Array.from(numpyQuicksortArgsort(killer)),
    [
      0, 19, 2, 20, 4, 21, 6, 22, 8, 23, 10, 24, 12, 25, 14, 26, 16, 27, 18, 28, 1, 29, 3, 39, 36, 37, 35, 34, 33, 32,
      31, 30, 17, 38, 15, 13, 11, 7, 9, 5,
    ],
  );
  assert.deepEqual(Array.from(numpyQuicksortArgsort([])), []);
  assert.deepEqual(Array.from(numpyQuicksortArgsort([7])), [0]);
});

test('numpy argsort sorts large random inputs', () => {
  const rs = new NumpyRandomState(3);
  const keys = Int32Array.from(range(100_000), () => rs.randomInterval(5_000));
  const order = numpyQuicksortArgsort(keys);
  const seen = new Uint8Array(keys.length);
  for (let k = 0; k < order.length; k++) {
    seen[order[k]!] = 1;
    if (k > 0) assert.ok(keys[order[k - 1]!]! <= keys[order[k]!]!);
  }
  assert.ok(seen.every((v) => v === 1));
});
