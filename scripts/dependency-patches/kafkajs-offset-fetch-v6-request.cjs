// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/offsetFetch/v6/request.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447 (OffsetFetch v7, require_stable).
const Encoder = require('../../../encoder')
const { OffsetFetch: apiKey } = require('../../apiKeys')

/**
 * OffsetFetch Request (Version: 6) => group_id [topics] TAG_BUFFER
 *   group_id => COMPACT_STRING
 *   topics => name [partition_indexes] TAG_BUFFER
 *     name => COMPACT_STRING
 *     partition_indexes => INT32
 *
 * A flexible version: the request header (v2) ends with a tag buffer, written here before the body.
 * topics is a COMPACT_NULLABLE_ARRAY; as in versions 3-5, an empty list is sent as null (all topics).
 * Version 7 (./v7/request) appends require_stable through writeRequireStable.
 */

const encodeTopic = ({ topic, partitions }) => {
  const encoder = new Encoder().writeUVarIntString(topic).writeUVarInt(partitions.length + 1)
  partitions.forEach(({ partition }) => encoder.writeInt32(partition))
  return encoder.writeUVarIntBytes()
}

const encodeBody = ({ groupId, topics }, writeRequireStable = () => {}) => {
  const encoder = new Encoder()
    .writeUVarIntBytes() // request header tagged fields: none
    .writeUVarIntString(groupId)
  if (topics == null || topics.length === 0) {
    encoder.writeUVarInt(0) // null: every topic with a committed offset
  } else {
    encoder.writeUVarIntArray(topics.map(encodeTopic))
  }
  writeRequireStable(encoder)
  return encoder.writeUVarIntBytes() // tagged fields: none
}

module.exports = ({ groupId, topics }) => ({
  apiKey,
  apiVersion: 6,
  apiName: 'OffsetFetch',
  encode: async () => encodeBody({ groupId, topics }),
})

module.exports.encodeBody = encodeBody
