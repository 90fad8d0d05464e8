// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/offsetFetch/v7/response.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447 (OffsetFetch v7, require_stable).
const { decode, parse } = require('../v6/response')

/**
 * The response is the same as version 6; version 7 brokers may answer UNSTABLE_OFFSET_COMMIT (code 88)
 * per partition when the request asked for require_stable.
 *
 * OffsetFetch Response (Version: 7) => throttle_time_ms [topics] error_code TAG_BUFFER
 */

module.exports = {
  decode,
  parse,
}
