// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/offsetFetch/v6/response.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447 (OffsetFetch v7, require_stable).
const Decoder = require('../../../decoder')
const { parse } = require('../v4/response')

/**
 * OffsetFetch Response (Version: 6) => throttle_time_ms [topics] error_code TAG_BUFFER
 *   throttle_time_ms => INT32
 *   topics => name [partitions] TAG_BUFFER
 *     name => COMPACT_STRING
 *     partitions => partition_index committed_offset committed_leader_epoch metadata error_code TAG_BUFFER
 *       partition_index => INT32
 *       committed_offset => INT64
 *       committed_leader_epoch => INT32
 *       metadata => COMPACT_NULLABLE_STRING
 *       error_code => INT16
 *   error_code => INT16
 *
 * The response header (v1) ends with a tag buffer, read here before the body. parse() is version 2's:
 * the top-level error first, then the first partition's (UNSTABLE_OFFSET_COMMIT, code 88, for a
 * require_stable fetch of a partition with offsets pending in an open transaction; retriable).
 */

// A tagged field is tag (UNSIGNED_VARINT), size (UNSIGNED_VARINT, the exact byte count) and data; kafkajs's
// Decoder#readTaggedFields reads the size as a compact length (one too many), so skip them here.
const skipTaggedFields = decoder => {
  const count = decoder.readUVarInt()
  for (let i = 0; i < count; i++) {
    decoder.readUVarInt() // tag
    const size = decoder.readUVarInt()
    decoder.offset += size
  }
}

const decode = async rawData => {
  const decoder = new Decoder(rawData)
  skipTaggedFields(decoder)
  const throttleTime = decoder.readInt32()
  const responses = decoder.readUVarIntArray(decodeResponses) || []
  const errorCode = decoder.readInt16()
  skipTaggedFields(decoder)
  return {
    throttleTime: 0,
    clientSideThrottleTime: throttleTime,
    responses,
    errorCode,
  }
}

const decodeResponses = decoder => {
  const topic = decoder.readUVarIntString()
  const partitions = decoder.readUVarIntArray(decodePartitions) || []
  skipTaggedFields(decoder)
  return { topic, partitions }
}

const decodePartitions = decoder => {
  const partition = decoder.readInt32()
  const offset = decoder.readInt64().toString()
  decoder.readInt32() // committed_leader_epoch (kafkajs does not track leader epochs)
  const metadata = decoder.readUVarIntString()
  const errorCode = decoder.readInt16()
  skipTaggedFields(decoder)
  return { partition, offset, metadata, errorCode }
}

module.exports = {
  decode,
  parse,
}
