// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/txnOffsetCommit/v2/response.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447 (TxnOffsetCommit v2/v3, OffsetFetch v7).
const { parse, decode } = require('../v1/response')

/**
 * The response is the same as version 1 (on quota violation, brokers respond before throttling).
 *
 * TxnOffsetCommit Response (Version: 2) => throttle_time_ms [topics]
 *   throttle_time_ms => INT32
 *   topics => name [partitions]
 *     name => STRING
 *     partitions => partition_index error_code
 *       partition_index => INT32
 *       error_code => INT16
 */

module.exports = {
  decode,
  parse,
}
