/**
 * Terminal profiles (a uniform location on the grid) and the handbook's customer -> terminal association:
 * a customer may use every terminal at Euclidean distance strictly below the radius.
 *
 * The association uses a uniform grid index with cells at least one radius wide, so each customer only
 * checks the terminals of its 3 x 3 neighbourhood of cells (~700 candidates at the default sizes) instead
 * of all 10,000. Each customer's list is in ascending terminal id, like the handbook's np.where.
 */

import type { CustomerProfiles } from './customers.ts';
import { GRID_SIZE } from './customers.ts';
import { createSimulationRandom, STREAM } from './random.ts';

export interface TerminalProfiles {
  readonly count: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** Compressed lists: customer c may use `terminals[offsets[c] .. offsets[c + 1])`. */
export interface AvailableTerminals {
  readonly offsets: Int32Array;
  readonly terminals: Int32Array;
}

export function generateTerminalProfiles(count: number, seed: number): TerminalProfiles {
  const rnd = createSimulationRandom(seed, STREAM.terminals);
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    x[t] = rnd.uniform(0, GRID_SIZE);
    y[t] = rnd.uniform(0, GRID_SIZE);
  }
  return { count, x, y };
}

export function terminalsWithinRadius(
  customers: CustomerProfiles,
  terminals: TerminalProfiles,
  radius: number,
): AvailableTerminals {
  // Cells of width >= radius: every terminal closer than `radius` lies in the 3 x 3 block around the
  // customer's cell. Capped at 1,024 cells per side to bound memory for tiny radii.
  const cellsPerSide = Math.max(1, Math.min(1024, Math.floor(GRID_SIZE / radius)));
  const cellSize = GRID_SIZE / cellsPerSide;
  const reach = Math.ceil(radius / cellSize);
  const cellOf = (v: number): number => Math.min(cellsPerSide - 1, Math.max(0, Math.floor(v / cellSize)));

  // Counting sort of terminals into cells; ids stay ascending inside each cell.
  const nCells = cellsPerSide * cellsPerSide;
  const cellStart = new Int32Array(nCells + 1);
  const cellOfTerminal = new Int32Array(terminals.count);
  for (let t = 0; t < terminals.count; t++) {
    const cell = cellOf(terminals.y[t]!) * cellsPerSide + cellOf(terminals.x[t]!);
    cellOfTerminal[t] = cell;
    cellStart[cell + 1]!++;
  }
  for (let i = 0; i < nCells; i++) cellStart[i + 1]! += cellStart[i]!;
  const cursor = cellStart.slice(0, nCells);
  const byCell = new Int32Array(terminals.count);
  for (let t = 0; t < terminals.count; t++) byCell[cursor[cellOfTerminal[t]!]!++] = t;

  const offsets = new Int32Array(customers.count + 1);
  let list = new Int32Array(Math.max(16, customers.count * 8));
  let used = 0;
  const found: number[] = [];
  for (let c = 0; c < customers.count; c++) {
    const cx = customers.x[c]!;
    const cy = customers.y[c]!;
    const col = cellOf(cx);
    const row = cellOf(cy);
    found.length = 0;
    for (let r = Math.max(0, row - reach); r <= Math.min(cellsPerSide - 1, row + reach); r++) {
      for (let q = Math.max(0, col - reach); q <= Math.min(cellsPerSide - 1, col + reach); q++) {
        const cell = r * cellsPerSide + q;
        for (let k = cellStart[cell]!; k < cellStart[cell + 1]!; k++) {
          const t = byCell[k]!;
          const dx = terminals.x[t]! - cx;
          const dy = terminals.y[t]! - cy;
          // The distance itself, as in the handbook, so boundary cases round the same way.
          if (Math.sqrt(dx * dx + dy * dy) < radius) found.push(t);
        }
      }
    }
    found.sort((a, b) => a - b);
    if (used + found.length > list.length) {
      const grown = new Int32Array(Math.max(list.length * 2, used + found.length));
      grown.set(list);
      list = grown;
    }
    for (const t of found) list[used++] = t;
    offsets[c + 1] = used;
  }
  return { offsets, terminals: list.slice(0, used) };
}
