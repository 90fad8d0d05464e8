/**
 * numpy's `argsort(kind='quicksort')` (numpy/core/src/npysort/quicksort.cpp, `aquicksort_` and
 * `heapsort.cpp`'s `aheapsort_`, numpy 1.x generic path used for int64 / datetime64 keys), step for step,
 * so that equal keys end up in exactly numpy's (unstable) order. pandas' `sort_values` sorts with it,
 * which decides the handbook's TRANSACTION_ID numbering among transactions of the same second.
 *
 * The algorithm is an introsort: median-of-3 quicksort that pushes the larger partition on a stack,
 * insertion sort for partitions of at most SMALL_QUICKSORT + 1 = 16 elements, and heapsort for a partition
 * once the depth budget of 2 * floor(log2(n)) is spent.
 *
 * Keys must be comparable numbers without NaN (numpy orders NaN / NaT last; they never occur here).
 */

const SMALL_QUICKSORT = 15;
const STACK_SIZE = 128;

/** floor(log2(n)) for n >= 1, 0 for n = 0 (numpy's `npy_get_msb`). */
function msb(n: number): number {
  let depth = 0;
  for (let u = n; u > 1; u = Math.floor(u / 2)) depth++;
  return depth;
}

/** The permutation that sorts `keys` ascending, as `np.argsort(keys, kind='quicksort')`. */
export function numpyQuicksortArgsort(keys: ArrayLike<number>): Int32Array {
  const n = keys.length;
  const tosort = new Int32Array(n);
  for (let i = 0; i < n; i++) tosort[i] = i;
  if (n > 1) argsortRange(keys, tosort, n);
  return tosort;
}

function argsortRange(v: ArrayLike<number>, tosort: Int32Array, num: number): void {
  // Positions into `tosort` stand in for the C pointers.
  let pl = 0;
  let pr = num - 1;
  const stack = new Int32Array(STACK_SIZE);
  let sptr = 0;
  const depthStack = new Int32Array(STACK_SIZE);
  let psdepth = 0;
  let cdepth = msb(num) * 2;

  for (;;) {
    if (cdepth < 0) {
      heapsortRange(v, tosort, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        let t: number;
        if (v[tosort[pm]!]! < v[tosort[pl]!]!) {
          t = tosort[pm]!;
          tosort[pm] = tosort[pl]!;
          tosort[pl] = t;
        }
        if (v[tosort[pr]!]! < v[tosort[pm]!]!) {
          t = tosort[pr]!;
          tosort[pr] = tosort[pm]!;
          tosort[pm] = t;
        }
        if (v[tosort[pm]!]! < v[tosort[pl]!]!) {
          t = tosort[pm]!;
          tosort[pm] = tosort[pl]!;
          tosort[pl] = t;
        }
        const vp = v[tosort[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        t = tosort[pm]!;
        tosort[pm] = tosort[pj]!;
        tosort[pj] = t;
        for (;;) {
          do ++pi;
          while (v[tosort[pi]!]! < vp);
          do --pj;
          while (vp < v[tosort[pj]!]!);
          if (pi >= pj) break;
          t = tosort[pi]!;
          tosort[pi] = tosort[pj]!;
          tosort[pj] = t;
        }
        const pk = pr - 1;
        t = tosort[pi]!;
        tosort[pi] = tosort[pk]!;
        tosort[pk] = t;
        // Push the larger partition, continue with the smaller one.
        if (pi - pl < pr - pi) {
          stack[sptr++] = pi + 1;
          stack[sptr++] = pr;
          pr = pi - 1;
        } else {
          stack[sptr++] = pl;
          stack[sptr++] = pi - 1;
          pl = pi + 1;
        }
        depthStack[psdepth++] = --cdepth;
      }

      // Insertion sort.
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = tosort[pi]!;
        const vp = v[vi]!;
        let pj = pi;
        let pk = pi - 1;
        while (pj > pl && vp < v[tosort[pk]!]!) tosort[pj--] = tosort[pk--]!;
        tosort[pj] = vi;
      }
    }
    // stack_pop
    if (sptr === 0) break;
    pr = stack[--sptr]!;
    pl = stack[--sptr]!;
    cdepth = depthStack[--psdepth]!;
  }
}

/** numpy's `aheapsort_` on `tosort[start .. start + n)`. */
function heapsortRange(v: ArrayLike<number>, tosort: Int32Array, start: number, n0: number): void {
  // 1-based heap indexing: a[i] is tosort[base + i].
  const base = start - 1;
  let n = n0;
  let i: number;
  let j: number;
  let tmp: number;
  for (let l = n >> 1; l > 0; --l) {
    tmp = tosort[base + l]!;
    for (i = l, j = l << 1; j <= n; ) {
      if (j < n && v[tosort[base + j]!]! < v[tosort[base + j + 1]!]!) j += 1;
      if (v[tmp]! < v[tosort[base + j]!]!) {
        tosort[base + i] = tosort[base + j]!;
        i = j;
        j += j;
      } else break;
    }
    tosort[base + i] = tmp;
  }
  for (; n > 1; ) {
    tmp = tosort[base + n]!;
    tosort[base + n] = tosort[base + 1]!;
    n -= 1;
    for (i = 1, j = 2; j <= n; ) {
      if (j < n && v[tosort[base + j]!]! < v[tosort[base + j + 1]!]!) j++;
      if (v[tmp]! < v[tosort[base + j]!]!) {
        tosort[base + i] = tosort[base + j]!;
        i = j;
        j += j;
      } else break;
    }
    tosort[base + i] = tmp;
  }
}
