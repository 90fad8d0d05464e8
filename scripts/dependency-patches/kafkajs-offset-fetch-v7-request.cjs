// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/offsetFetch/v7/request.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447: with require_stable, the group
// coordinator answers UNSTABLE_OFFSET_COMMIT (code 88, retriable) for a partition whose offsets are
// pending in an open transaction, instead of the last committed offset, so a member that takes over a
// partition waits for its previous owner's transaction to complete (or be aborted) before it starts.
const { OffsetFetch: apiKey } = require('../../apiKeys')
const { encodeBody } = require('../v6/request')

/**
 * OffsetFetch Request (Version: 7) => group_id [topics] require_stable TAG_BUFFER
 *   group_id => COMPACT_STRING
 *   topics => name [partition_indexes] TAG_BUFFER
 *     name => COMPACT_STRING
 *     partition_indexes => INT32
 *   require_stable => BOOLEAN
 */

module.exports = ({ groupId, topics, requireStable = false }) => ({
  apiKey,
  apiVersion: 7,
  apiName: 'OffsetFetch',
  encode: async () =>
    encodeBody({ groupId, topics }, encoder => encoder.writeBoolean(!!requireStable)),
})
