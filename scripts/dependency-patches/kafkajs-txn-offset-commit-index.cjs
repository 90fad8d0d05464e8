// riskstream's replacement for kafkajs 2.2.4 src/protocol/requests/txnOffsetCommit/index.js, installed by
// scripts/patch-dependencies.mjs (npm postinstall). Why: KIP-447. kafkajs implemented versions 0 and 1
// only, which carry no consumer group generation, so a transactional producer could not be fenced by the
// group: a member that had lost its partitions in a rebalance (a zombie) could still commit their offsets.
// Versions 2 (committed leader epoch) and 3 (generation_id, member_id, group_instance_id; flexible) are
// added. Asking for the generation check (a generationId >= 0, or a memberId or groupInstanceId) from a
// broker that only has versions 0-2 fails instead of silently committing unfenced, as the Java client does.
const { KafkaJSNonRetriableError } = require('../../../errors')

const hasGroupMetadata = ({ generationId, memberId, groupInstanceId }) =>
  (generationId != null && generationId >= 0) || !!memberId || groupInstanceId != null

const withoutGroupMetadata = (version, args) => {
  if (hasGroupMetadata(args)) {
    throw new KafkaJSNonRetriableError(
      `TxnOffsetCommit v${version} cannot carry the consumer group generation (KIP-447 needs v3, Kafka 2.5+)`
    )
  }
  return args
}

const versions = {
  0: args => {
    const { transactionalId, groupId, producerId, producerEpoch, topics } = withoutGroupMetadata(0, args)
    const request = require('./v0/request')
    const response = require('./v0/response')
    return {
      request: request({ transactionalId, groupId, producerId, producerEpoch, topics }),
      response,
    }
  },
  1: args => {
    const { transactionalId, groupId, producerId, producerEpoch, topics } = withoutGroupMetadata(1, args)
    const request = require('./v1/request')
    const response = require('./v1/response')
    return {
      request: request({ transactionalId, groupId, producerId, producerEpoch, topics }),
      response,
    }
  },
  2: args => {
    const { transactionalId, groupId, producerId, producerEpoch, topics } = withoutGroupMetadata(2, args)
    const request = require('./v2/request')
    const response = require('./v2/response')
    return {
      request: request({ transactionalId, groupId, producerId, producerEpoch, topics }),
      response,
    }
  },
  3: ({
    transactionalId,
    groupId,
    producerId,
    producerEpoch,
    generationId,
    memberId,
    groupInstanceId,
    topics,
  }) => {
    const request = require('./v3/request')
    const response = require('./v3/response')
    return {
      request: request({
        transactionalId,
        groupId,
        producerId,
        producerEpoch,
        generationId: generationId == null ? -1 : generationId,
        memberId: memberId == null ? '' : memberId,
        groupInstanceId: groupInstanceId == null ? null : groupInstanceId,
        topics,
      }),
      response,
    }
  },
}

module.exports = {
  versions: Object.keys(versions),
  protocol: ({ version }) => versions[version],
}
