// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/offsetFetch/v5/request.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447 (OffsetFetch v7, require_stable).
const requestV4 = require('../v4/request')

/**
 * OffsetFetch Request (Version: 5) => group_id [topics]
 *   group_id => STRING
 *   topics => name [partition_indexes]
 *     name => STRING
 *     partition_indexes => INT32
 */

module.exports = ({ groupId, topics }) =>
  Object.assign(requestV4({ groupId, topics }), { apiVersion: 5 })
