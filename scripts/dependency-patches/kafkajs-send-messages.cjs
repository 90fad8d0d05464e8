// riskstream's replacement for kafkajs 2.2.4 src/producer/sendMessages.js, installed by
// scripts/patch-dependencies.mjs (npm postinstall). Why: a send to several partition leaders wrote the
// same records twice, or not at all, when one leader's request failed. kafkajs sent one request per
// leader, remembered which brokers had answered, and on the first failure (Promise.all) retried every
// broker that had not answered yet, including those whose request was still in flight: the retry waited
// for the broker lock, then sent the same records again with the sequence numbers the first request had
// already used up, so the broker appended them as new records (duplicates inside one committed
// transaction, seen with a 3-broker cluster after the routine CONCURRENT_TRANSACTIONS retry of
// AddPartitionsToTxn and after a broker was killed). And a partition whose leadership moved to a broker
// that had already answered was never sent (records lost while the send resolved). This version, like the
// Java producer's per-partition batches:
// - assigns every message to its partition once, so a retry resends the same records to the same
//   partition (kafkajs re-ran the partitioner, which moves keyless messages on every call);
// - waits for all of an attempt's requests to settle (Promise.allSettled) before it retries, so at most
//   one request per partition is ever in flight and a sequence number is reused only after its request
//   has failed (the broker then answers a batch it already has as a duplicate, without appending it);
// - tracks acknowledgement per partition and retries exactly the unacknowledged partitions, each to its
//   current leader.
// Everything else is kafkajs's code unchanged.
const { KafkaJSMetadataNotLoaded } = require('../errors')
const { staleMetadata } = require('../protocol/error')
const groupMessagesPerPartition = require('./groupMessagesPerPartition')
const createTopicData = require('./createTopicData')
const responseSerializer = require('./responseSerializer')

const { keys } = Object

/**
 * @param {Object} options
 * @param {import("../../types").Logger} options.logger
 * @param {import("../../types").Cluster} options.cluster
 * @param {ReturnType<import("../../types").ICustomPartitioner>} options.partitioner
 * @param {import("./eosManager").EosManager} options.eosManager
 * @param {import("../retry").Retrier} options.retrier
 */
module.exports = ({ logger, cluster, partitioner, eosManager, retrier }) => {
  // sendBatch has merged the entries of a topic named twice: one entry per topic.
  return async ({ acks, timeout, compression, topicMessages }) => {
    /**
     * Each topic's messages by partition, assigned on the first attempt that has the topic's metadata
     * and kept for every retry (riskstream patch)
     * @type {Map<string, Record<string, any[]>>}
     */
    const messagesPerPartitionPerTopic = new Map()

    /**
     * The response entries of every acknowledged partition, by topic and partition (riskstream patch)
     * @type {Map<string, Map<number, any[]>>}
     */
    const acknowledged = new Map()
    for (const { topic } of topicMessages) acknowledged.set(topic, new Map())

    const isAcknowledged = (topic, partition) => acknowledged.get(topic).has(Number(partition))

    const createProducerRequests = async () => {
      /** @type {Map<number, { broker: import("../../types").Broker, topics: Map<string, number[]> }>} */
      const requestsPerNode = new Map()

      await cluster.refreshMetadataIfNecessary()

      for (const { topic, messages } of topicMessages) {
        let messagesPerPartition = messagesPerPartitionPerTopic.get(topic)
        if (!messagesPerPartition) {
          const partitionMetadata = cluster.findTopicPartitionMetadata(topic)

          if (partitionMetadata.length === 0) {
            logger.debug('Producing to topic without metadata', {
              topic,
              targetTopics: Array.from(cluster.targetTopics),
            })

            throw new KafkaJSMetadataNotLoaded('Producing to topic without metadata')
          }

          messagesPerPartition = groupMessagesPerPartition({
            topic,
            partitionMetadata,
            messages,
            partitioner,
          })
          messagesPerPartitionPerTopic.set(topic, messagesPerPartition)
        }

        const pending = keys(messagesPerPartition).filter(
          partition => !isAcknowledged(topic, partition)
        )
        const partitionsPerLeader = cluster.findLeaderForPartitions(topic, pending)

        for (const nodeId of keys(partitionsPerLeader)) {
          const broker = await cluster.findBroker({ nodeId })
          const request = requestsPerNode.get(broker.nodeId) || { broker, topics: new Map() }
          request.topics.set(topic, partitionsPerLeader[nodeId])
          requestsPerNode.set(broker.nodeId, request)
        }
      }

      return Array.from(requestsPerNode.values()).map(async ({ broker, topics }) => {
        const topicData = createTopicData(
          Array.from(topics.entries()).map(([topic, partitions]) => ({
            topic,
            partitions,
            messagesPerPartition: messagesPerPartitionPerTopic.get(topic),
          }))
        )

        await eosManager.acquireBrokerLock(broker)
        try {
          if (eosManager.isTransactional()) {
            await eosManager.addPartitionsToTransaction(topicData)
          }

          topicData.forEach(({ topic, partitions }) => {
            partitions.forEach(entry => {
              entry['firstSequence'] = eosManager.getSequence(topic, entry.partition)
              eosManager.updateSequence(topic, entry.partition, entry.messages.length)
            })
          })

          let response
          try {
            response = await broker.produce({
              transactionalId: eosManager.isTransactional()
                ? eosManager.getTransactionalId()
                : undefined,
              producerId: eosManager.getProducerId(),
              producerEpoch: eosManager.getProducerEpoch(),
              acks,
              timeout,
              compression,
              topicData,
            })
          } catch (e) {
            topicData.forEach(({ topic, partitions }) => {
              partitions.forEach(entry => {
                eosManager.updateSequence(topic, entry.partition, -entry.messages.length)
              })
            })
            throw e
          }

          const expectResponse = acks !== 0
          const formattedResponse = expectResponse ? responseSerializer(response) : []

          topicData.forEach(({ topic, partitions }) => {
            partitions.forEach(({ partition }) => {
              acknowledged.get(topic).set(
                Number(partition),
                formattedResponse.filter(
                  entry => entry.topicName === topic && Number(entry.partition) === Number(partition)
                )
              )
            })
          })
        } finally {
          await eosManager.releaseBrokerLock(broker)
        }
      })
    }

    return retrier(async (bail, retryCount, retryTime) => {
      const topics = topicMessages.map(({ topic }) => topic)
      await cluster.addMultipleTargetTopics(topics)

      try {
        const requests = await createProducerRequests()
        const results = await Promise.allSettled(requests)
        const failures = results.filter(r => r.status === 'rejected').map(r => r.reason)

        if (failures.length > 0) {
          // Every broker whose connection closed is dropped (the catch below drops the one thrown); a
          // refusal that no retry can change decides the outcome (riskstream patch)
          for (const e of failures) {
            if (e.name === 'KafkaJSConnectionClosedError') {
              cluster.removeBroker({ host: e.host, port: e.port })
            }
          }
          throw failures.find(e => e.retriable === false) || failures[0]
        }

        const unsent = topicMessages.some(({ topic }) =>
          keys(messagesPerPartitionPerTopic.get(topic)).some(
            partition => !isAcknowledged(topic, partition)
          )
        )
        if (unsent) {
          // A partition missing from the metadata had no leader to send to (riskstream patch)
          throw new KafkaJSMetadataNotLoaded('Producing to partitions without metadata')
        }

        return topicMessages.flatMap(({ topic }) =>
          Array.from(acknowledged.get(topic).values()).flat()
        )
      } catch (e) {
        if (e.name === 'KafkaJSConnectionClosedError') {
          cluster.removeBroker({ host: e.host, port: e.port })
        }

        if (!cluster.isConnected()) {
          logger.debug(`Cluster has disconnected, reconnecting: ${e.message}`, {
            retryCount,
            retryTime,
          })
          await cluster.connect()
          await cluster.refreshMetadata()
          throw e
        }

        // This is necessary in case the metadata is stale and the number of partitions
        // for this topic has increased in the meantime
        if (
          staleMetadata(e) ||
          e.name === 'KafkaJSMetadataNotLoaded' ||
          e.name === 'KafkaJSConnectionError' ||
          e.name === 'KafkaJSConnectionClosedError' ||
          (e.name === 'KafkaJSProtocolError' && e.retriable)
        ) {
          logger.error(`Failed to send messages: ${e.message}`, { retryCount, retryTime })
          await cluster.refreshMetadata()
          throw e
        }

        logger.error(`${e.message}`, { retryCount, retryTime })
        if (e.retriable) throw e
        bail(e)
      }
    })
  }
}
