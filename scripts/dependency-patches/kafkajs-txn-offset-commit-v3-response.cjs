// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/txnOffsetCommit/v3/response.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447 (TxnOffsetCommit v3 is flexible).
const Decoder = require('../../../decoder')
const { parse } = require('../v0/response')

/**
 * TxnOffsetCommit Response (Version: 3) => throttle_time_ms [topics] TAG_BUFFER
 *   throttle_time_ms => INT32
 *   topics => name [partitions] TAG_BUFFER
 *     name => COMPACT_STRING
 *     partitions => partition_index error_code TAG_BUFFER
 *       partition_index => INT32
 *       error_code => INT16
 *
 * The response header (v1) ends with a tag buffer, read here before the body. parse() is version 0's:
 * the first partition with an error code is thrown as a KafkaJSProtocolError.
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
  const topics = decoder.readUVarIntArray(decodeTopic) || []
  skipTaggedFields(decoder)

  return {
    throttleTime: 0,
    clientSideThrottleTime: throttleTime,
    topics,
  }
}

const decodeTopic = decoder => {
  const topic = decoder.readUVarIntString()
  const partitions = decoder.readUVarIntArray(decodePartition) || []
  skipTaggedFields(decoder)
  return { topic, partitions }
}

const decodePartition = decoder => {
  const partition = decoder.readInt32()
  const errorCode = decoder.readInt16()
  skipTaggedFields(decoder)
  return { partition, errorCode }
}

module.exports = {
  decode,
  parse,
}
