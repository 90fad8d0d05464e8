export { simulate, fraudRate, parseUtcDate, DEFAULT_SIMULATION_OPTIONS, SIMULATION_RNGS } from './simulate.ts';
export type {
  SimulationOptions,
  ResolvedSimulationOptions,
  SimulationResult,
  SimulationRng,
  DriftReport,
} from './simulate.ts';
export { maxHandbookSeed } from './handbook-generator.ts';
export { applyDrift, CARD_TESTING_MIN_AMOUNT } from './drift-scenarios.ts';
export type {
  DriftScenario,
  DriftBoundary,
  AmountShiftDrift,
  NewFraudPatternDrift,
  TerminalSurgeDrift,
  MissingFieldSurgeDrift,
} from './drift-scenarios.ts';
export {
  FRAUD_SCENARIO,
  FRAUD_AMOUNT_THRESHOLD,
  TERMINALS_COMPROMISED_PER_DAY,
  TERMINAL_COMPROMISE_DAYS,
  CUSTOMERS_COMPROMISED_PER_DAY,
  CUSTOMER_COMPROMISE_DAYS,
  COMPROMISED_CUSTOMER_AMOUNT_FACTOR,
  applyHandbookFraudScenarios,
  countByScenario,
} from './fraud-scenarios.ts';
export {
  SECONDS_PER_DAY,
  CHANNELS,
  CHANNEL_CODE,
  CHANNEL_MISSING,
  TERMINAL_MISSING,
  roundToCents,
  eventTimeOrder,
  takeTransactions,
  generateTransactions,
  TransactionColumnsBuilder,
} from './transactions.ts';
export type { Channel, TransactionColumns, GenerateTransactionsOptions } from './transactions.ts';
export { GRID_SIZE, CURRENCIES, generateCustomerProfiles } from './customers.ts';
export type { Currency, CustomerProfiles } from './customers.ts';
export { generateTerminalProfiles, terminalsWithinRadius } from './terminals.ts';
export type { TerminalProfiles, AvailableTerminals } from './terminals.ts';
export { luhnCheckDigit, isLuhnValid, cardNumberFor, MAX_CARD_CUSTOMERS } from './card-number.ts';
export { STREAM, deriveSeed, createSimulationRandom } from './random.ts';
export type { SimulationRandom } from './random.ts';
export { transactionId, transactionAt, transactionsInOrder } from './transaction-record.ts';
export type { SimulatedTransaction } from './transaction-record.ts';
export { writeCsv, CSV_COLUMNS } from './csv-writer.ts';
