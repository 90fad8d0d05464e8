// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/offsetFetch/v5/response.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447 (OffsetFetch v7, require_stable).
const Decoder = require('../../../decoder')
const { parse } = require('../v4/response')

/**
 * Version 5 adds the committed leader epoch (read and dropped: kafkajs does not track leader epochs).
 *
 * OffsetFetch Response (Version: 5) => throttle_time_ms [topics] error_code
 *   throttle_time_ms => INT32
 *   topics => name [partitions]
 *     name => STRING
 *     partitions => partition_index committed_offset committed_leader_epoch metadata error_code
 *       partition_index => INT32
 *       committed_offset => INT64
 *       committed_leader_epoch => INT32
 *       metadata => NULLABLE_STRING
 *       error_code => INT16
 *   error_code => INT16
 */

const decode = async rawData => {
  const decoder = new Decoder(rawData)
  const throttleTime = decoder.readInt32()
  const responses = decoder.readArray(decodeResponses)
  const errorCode = decoder.readInt16()
  return {
    throttleTime: 0,
    clientSideThrottleTime: throttleTime,
    responses,
    errorCode,
  }
}

const decodeResponses = decoder => ({
  topic: decoder.readString(),
  partitions: decoder.readArray(decodePartitions),
})

const decodePartitions = decoder => {
  const partition = decoder.readInt32()
  const offset = decoder.readInt64().toString()
  decoder.readInt32() // committed_leader_epoch
  const metadata = decoder.readString()
  const errorCode = decoder.readInt16()
  return { partition, offset, metadata, errorCode }
}

module.exports = {
  decode,
  parse,
}
