// riskstream's addition to kafkajs 2.2.4: src/protocol/requests/txnOffsetCommit/v3/request.js, created by
// scripts/patch-dependencies.mjs (npm postinstall). Part of KIP-447: version 3 carries the consumer group
// member's generation, so that the group coordinator refuses the offsets of a member that has lost its
// partitions in a rebalance (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID). A generation of
// -1 and an empty member id skip that check, as versions 0-2 did.
const Encoder = require('../../../encoder')
const { TxnOffsetCommit: apiKey } = require('../../apiKeys')

/**
 * TxnOffsetCommit Request (Version: 3) => transactional_id group_id producer_id producer_epoch generation_id member_id group_instance_id [topics] TAG_BUFFER
 *   transactional_id => COMPACT_STRING
 *   group_id => COMPACT_STRING
 *   producer_id => INT64
 *   producer_epoch => INT16
 *   generation_id => INT32
 *   member_id => COMPACT_STRING
 *   group_instance_id => COMPACT_NULLABLE_STRING
 *   topics => name [partitions] TAG_BUFFER
 *     name => COMPACT_STRING
 *     partitions => partition_index committed_offset committed_leader_epoch committed_metadata TAG_BUFFER
 *       partition_index => INT32
 *       committed_offset => INT64
 *       committed_leader_epoch => INT32
 *       committed_metadata => COMPACT_NULLABLE_STRING
 *
 * A flexible version: the request header (v2) ends with a tag buffer, written here before the body.
 */

module.exports = ({
  transactionalId,
  groupId,
  producerId,
  producerEpoch,
  generationId = -1,
  memberId = '',
  groupInstanceId = null,
  topics,
}) => ({
  apiKey,
  apiVersion: 3,
  apiName: 'TxnOffsetCommit',
  encode: async () => {
    return new Encoder()
      .writeUVarIntBytes() // request header tagged fields: none
      .writeUVarIntString(transactionalId)
      .writeUVarIntString(groupId)
      .writeInt64(producerId)
      .writeInt16(producerEpoch)
      .writeInt32(generationId)
      .writeUVarIntString(memberId)
      .writeUVarIntString(groupInstanceId)
      .writeUVarIntArray(topics.map(encodeTopic))
      .writeUVarIntBytes() // tagged fields: none
  },
})

const encodeTopic = ({ topic, partitions }) => {
  return new Encoder()
    .writeUVarIntString(topic)
    .writeUVarIntArray(partitions.map(encodePartition))
    .writeUVarIntBytes()
}

const encodePartition = ({ partition, offset, leaderEpoch = -1, metadata = null }) => {
  return new Encoder()
    .writeInt32(partition)
    .writeInt64(offset)
    .writeInt32(leaderEpoch)
    .writeUVarIntString(metadata)
    .writeUVarIntBytes()
}
