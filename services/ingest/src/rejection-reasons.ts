/**
 * Every reason ingest gives for refusing a record: the `dlq.error.reason` header, the `reason` label of
 * ingest_rejections_total and the `reason` of a rejected record in the HTTP answer. Codes are stable (a
 * client may branch on them); the text is for the people reading the DLQ.
 */
export const REJECTION_REASONS = {
  MISSING_FIELD: 'a required field (transaction_id, card_number, amount, currency, event_time) is absent or null',
  TYPE_INVALID: 'a field has the wrong type, or the record is not an object',
  AMOUNT_OUT_OF_RANGE: 'amount is negative, not finite, or above the configured maximum',
  CURRENCY_INVALID: 'currency is not an active ISO 4217 alphabetic code (upper case)',
  EVENT_TIME_IN_FUTURE: 'event_time is further in the future than the configured clock skew allows',
  EVENT_TIME_TOO_OLD: 'event_time is before 2000-01-01T00:00:00Z',
  EVENT_TIME_INVALID: 'event_time is neither epoch milliseconds nor an ISO 8601 timestamp with a zone',
  ID_TOO_LONG: 'transaction_id, customer_id or terminal_id is longer than 64 characters',
  ID_INVALID: 'an id is empty or contains whitespace-only or non-printable characters',
  ID_CONTAINS_CARD_NUMBER: "an id contains the record's own card number (it would leak past the tokenisation)",
  CARD_NUMBER_INVALID: 'card_number is not 12-19 digits or fails the Luhn check',
  CHANNEL_INVALID: 'channel is not one of pos, ecom, atm (or null)',
  DECODE_FAILED: 'the value is neither Confluent-framed Avro of a known schema nor a UTF-8 JSON object',
  OUTPUT_INVALID: 'the pseudonymised record does not fit the transactions.valid.v1 schema (a bug in ingest)',
  HANDLER_FAILED: 'an unexpected error while processing this one record (a bug in ingest)',
} as const;

export type RejectionReason = keyof typeof REJECTION_REASONS;
