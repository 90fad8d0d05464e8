// riskstream's replacement for kafkajs 2.2.4 src/producer/eosManager/index.js, installed by
// scripts/patch-dependencies.mjs (npm postinstall). Why: kafkajs sent a FindCoordinator request before
// every transactional request (AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn), so each
// transaction cost 9 round trips instead of 5, and a busy broker spent a third of its transaction work
// answering where the coordinator is. This version remembers each coordinator's node id per transactional
// id and consumer group, as the Java producer does, and forgets it when a request to it fails for any
// reason other than the routine CONCURRENT_TRANSACTIONS (a moved or unavailable coordinator, a lost
// connection), so the next attempt looks it up again. KIP-447: sendOffsets also takes the consumer group
// member's generationId, memberId and groupInstanceId and sends them with the offsets (TxnOffsetCommit v3);
// the coordinator's refusal of a stale member (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
// REBALANCE_IN_PROGRESS) is thrown to the caller at once, never retried, so that it aborts the transaction.
// EndTxn (commit, abort) is retried on retriable errors, as the Java producer does: kafkajs sent it once, so
// a transaction coordinator that had moved (to a broker still loading its state, or away from the
// remembered one) failed the commit and left the producer unusable (stuck in COMMITTING).
// TxnOffsetCommit's coordinator errors are matched under kafkajs's own error names (GROUP_LOAD_IN_PROGRESS,
// GROUP_COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR_FOR_GROUP): kafkajs checked the Kafka names, which it
// never produces, so a moved group coordinator failed the commit instead of being found again and retried.
// Everything else is kafkajs's code unchanged.
const createRetry = require('../../retry')
const Lock = require('../../utils/lock')
const { KafkaJSNonRetriableError } = require('../../errors')
const COORDINATOR_TYPES = require('../../protocol/coordinatorTypes')
const createStateMachine = require('./transactionStateMachine')
const { INT_32_MAX_VALUE } = require('../../constants')
const assert = require('assert')

const STATES = require('./transactionStates')
const NO_PRODUCER_ID = -1
const SEQUENCE_START = 0
const INIT_PRODUCER_RETRIABLE_PROTOCOL_ERRORS = [
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  /**
   * The producer might have crashed and never committed the transaction; retry the
   * request so Kafka can abort the current transaction
   * @see https://github.com/apache/kafka/blob/201da0542726472d954080d54bc585b111aaf86f/clients/src/main/java/org/apache/kafka/clients/producer/internals/TransactionManager.java#L1001-L1002
   */
  'CONCURRENT_TRANSACTIONS',
]
/**
 * kafkajs names errors by its src/protocol/error.js `type`, which for codes 14, 15 and 16 is the old
 * group-only name: the Kafka names (COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
 * NOT_COORDINATOR) that kafkajs 2.2.4 listed here never occur, so a moved or loading group coordinator
 * failed the offsets commit instead of being looked up again and retried (riskstream patch)
 */
const COMMIT_RETRIABLE_PROTOCOL_ERRORS = [
  'UNKNOWN_TOPIC_OR_PARTITION',
  'GROUP_LOAD_IN_PROGRESS', // 14 COORDINATOR_LOAD_IN_PROGRESS
]
const COMMIT_STALE_COORDINATOR_PROTOCOL_ERRORS = [
  'GROUP_COORDINATOR_NOT_AVAILABLE', // 15 COORDINATOR_NOT_AVAILABLE
  'NOT_COORDINATOR_FOR_GROUP', // 16 NOT_COORDINATOR
]
/**
 * The group coordinator refused the offsets because the member that consumed them is no longer part of
 * the group's current generation (KIP-447): final for this transaction, which the caller must abort
 * (riskstream patch)
 */
const COMMIT_FENCED_BY_GROUP_PROTOCOL_ERRORS = [
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'REBALANCE_IN_PROGRESS',
]

/**
 * @typedef {Object} EosManager
 */

/**
 * Manage behavior for an idempotent producer and transactions.
 *
 * @returns {EosManager}
 */
module.exports = ({
  logger,
  cluster,
  transactionTimeout = 60000,
  transactional,
  transactionalId,
}) => {
  if (transactional && !transactionalId) {
    throw new KafkaJSNonRetriableError('Cannot manage transactions without a transactionalId')
  }

  const retrier = createRetry(cluster.retry)

  /**
   * Current producer ID
   */
  let producerId = NO_PRODUCER_ID

  /**
   * Current producer epoch
   */
  let producerEpoch = 0

  /**
   * Idempotent production requires that the producer track the sequence number of messages.
   *
   * Sequences are sent with every Record Batch and tracked per Topic-Partition
   */
  let producerSequence = {}

  /**
   * Idempotent production requires a mutex lock per broker to serialize requests with sequence number handling
   */
  let brokerMutexLocks = {}

  /**
   * Topic partitions already participating in the transaction
   */
  let transactionTopicPartitions = {}

  /**
   * Offsets have been added to the transaction
   */
  let hasOffsetsAddedToTransaction = false

  const stateMachine = createStateMachine({ logger })
  stateMachine.on('transition', ({ to }) => {
    if (to === STATES.READY) {
      transactionTopicPartitions = {}
      hasOffsetsAddedToTransaction = false
    }
  })

  /**
   * Coordinators' node ids, by coordinator type and group id (riskstream patch)
   */
  const coordinatorNodeIds = new Map()
  const coordinatorKey = (groupId, coordinatorType) => `${coordinatorType}:${groupId}`
  const findCoordinator = async (groupId, coordinatorType) => {
    const key = coordinatorKey(groupId, coordinatorType)
    const nodeId = coordinatorNodeIds.get(key)
    if (nodeId !== undefined) {
      try {
        return await cluster.findBroker({ nodeId })
      } catch (e) {
        coordinatorNodeIds.delete(key)
      }
    }
    const broker = await cluster.findGroupCoordinator({ groupId, coordinatorType })
    coordinatorNodeIds.set(key, broker.nodeId)
    return broker
  }
  const forgetCoordinator = (groupId, coordinatorType, error) => {
    if (error && error.type === 'CONCURRENT_TRANSACTIONS') return
    coordinatorNodeIds.delete(coordinatorKey(groupId, coordinatorType))
  }

  const findTransactionCoordinator = () => {
    return findCoordinator(transactionalId, COORDINATOR_TYPES.TRANSACTION)
  }

  /**
   * Sends one request to the transaction coordinator; a failure other than CONCURRENT_TRANSACTIONS
   * makes the next request look the coordinator up again (riskstream patch)
   */
  const withTransactionCoordinator = async request => {
    const broker = await findTransactionCoordinator()
    try {
      return await request(broker)
    } catch (e) {
      forgetCoordinator(transactionalId, COORDINATOR_TYPES.TRANSACTION, e)
      throw e
    }
  }

  /**
   * EndTxn, retried while the answer can still change: the coordinator is loading its state after a move
   * (COORDINATOR_LOAD_IN_PROGRESS), has moved (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a lost
   * connection: looked up again), or is still completing an earlier EndTxn of this transaction
   * (CONCURRENT_TRANSACTIONS). A repeated EndTxn is safe: the coordinator answers a commit (or abort) it
   * has already completed with success. Fencing and invalid states are final (riskstream patch)
   */
  const endTransaction = transactionResult =>
    retrier(async (bail, retryCount, retryTime) => {
      try {
        await withTransactionCoordinator(broker =>
          broker.endTxn({ producerId, producerEpoch, transactionalId, transactionResult })
        )
      } catch (e) {
        if (!e.retriable) return bail(e)
        logger.debug('EndTxn failed, retrying', {
          error: e.message,
          transactionalId,
          transactionResult,
          retryCount,
          retryTime,
        })
        throw e
      }
    })

  const transactionalGuard = () => {
    if (!transactional) {
      throw new KafkaJSNonRetriableError('Method unavailable if non-transactional')
    }
  }

  /**
   * A transaction is ongoing when offsets or partitions added to it
   *
   * @returns {boolean}
   */
  const isOngoing = () => {
    return (
      hasOffsetsAddedToTransaction ||
      Object.entries(transactionTopicPartitions).some(([, partitions]) => {
        return Object.entries(partitions).some(
          ([, isPartitionAddedToTransaction]) => isPartitionAddedToTransaction
        )
      })
    )
  }

  const eosManager = stateMachine.createGuarded(
    {
      /**
       * Get the current producer id
       * @returns {number}
       */
      getProducerId() {
        return producerId
      },

      /**
       * Get the current producer epoch
       * @returns {number}
       */
      getProducerEpoch() {
        return producerEpoch
      },

      getTransactionalId() {
        return transactionalId
      },

      /**
       * Initialize the idempotent producer by making an `InitProducerId` request.
       * Overwrites any existing state in this transaction manager
       */
      async initProducerId() {
        return retrier(async (bail, retryCount, retryTime) => {
          try {
            await cluster.refreshMetadataIfNecessary()

            // If non-transactional we can request the PID from any broker
            const initProducerId = broker =>
              broker.initProducerId({
                transactionalId: transactional ? transactionalId : undefined,
                transactionTimeout,
              })
            const result = transactional
              ? await withTransactionCoordinator(initProducerId)
              : await initProducerId(await cluster.findControllerBroker())

            stateMachine.transitionTo(STATES.READY)
            producerId = result.producerId
            producerEpoch = result.producerEpoch
            producerSequence = {}
            brokerMutexLocks = {}

            logger.debug('Initialized producer id & epoch', { producerId, producerEpoch })
          } catch (e) {
            if (INIT_PRODUCER_RETRIABLE_PROTOCOL_ERRORS.includes(e.type)) {
              if (e.type === 'CONCURRENT_TRANSACTIONS') {
                logger.debug('There is an ongoing transaction on this transactionId, retrying', {
                  error: e.message,
                  stack: e.stack,
                  transactionalId,
                  retryCount,
                  retryTime,
                })
              }

              throw e
            }

            bail(e)
          }
        })
      },

      /**
       * Get the current sequence for a given Topic-Partition. Defaults to 0.
       *
       * @param {string} topic
       * @param {string} partition
       * @returns {number}
       */
      getSequence(topic, partition) {
        if (!eosManager.isInitialized()) {
          return SEQUENCE_START
        }

        producerSequence[topic] = producerSequence[topic] || {}
        producerSequence[topic][partition] = producerSequence[topic][partition] || SEQUENCE_START

        return producerSequence[topic][partition]
      },

      /**
       * Update the sequence for a given Topic-Partition.
       *
       * Do nothing if not yet initialized (not idempotent)
       * @param {string} topic
       * @param {string} partition
       * @param {number} increment
       */
      updateSequence(topic, partition, increment) {
        if (!eosManager.isInitialized()) {
          return
        }

        const previous = eosManager.getSequence(topic, partition)
        let sequence = previous + increment

        // Sequence is defined as Int32 in the Record Batch,
        // so theoretically should need to rotate here
        if (sequence >= INT_32_MAX_VALUE) {
          logger.debug(
            `Sequence for ${topic} ${partition} exceeds max value (${sequence}). Rotating to 0.`
          )
          sequence = 0
        }

        producerSequence[topic][partition] = sequence
      },

      /**
       * Begin a transaction
       */
      beginTransaction() {
        transactionalGuard()
        stateMachine.transitionTo(STATES.TRANSACTING)
      },

      /**
       * Add partitions to a transaction if they are not already marked as participating.
       *
       * Should be called prior to sending any messages during a transaction
       * @param {TopicData[]} topicData
       *
       * @typedef {Object} TopicData
       * @property {string} topic
       * @property {object[]} partitions
       * @property {number} partitions[].partition
       */
      async addPartitionsToTransaction(topicData) {
        transactionalGuard()
        const newTopicPartitions = {}

        topicData.forEach(({ topic, partitions }) => {
          transactionTopicPartitions[topic] = transactionTopicPartitions[topic] || {}

          partitions.forEach(({ partition }) => {
            if (!transactionTopicPartitions[topic][partition]) {
              newTopicPartitions[topic] = newTopicPartitions[topic] || []
              newTopicPartitions[topic].push(partition)
            }
          })
        })

        const topics = Object.keys(newTopicPartitions).map(topic => ({
          topic,
          partitions: newTopicPartitions[topic],
        }))

        if (topics.length) {
          await withTransactionCoordinator(broker =>
            broker.addPartitionsToTxn({ transactionalId, producerId, producerEpoch, topics })
          )
        }

        topics.forEach(({ topic, partitions }) => {
          partitions.forEach(partition => {
            transactionTopicPartitions[topic][partition] = true
          })
        })
      },

      /**
       * Commit the ongoing transaction
       */
      async commit() {
        transactionalGuard()
        stateMachine.transitionTo(STATES.COMMITTING)

        if (!isOngoing()) {
          logger.debug('No partitions or offsets registered, not sending EndTxn')

          stateMachine.transitionTo(STATES.READY)
          return
        }

        await endTransaction(true)

        stateMachine.transitionTo(STATES.READY)
      },

      /**
       * Abort the ongoing transaction
       */
      async abort() {
        transactionalGuard()
        stateMachine.transitionTo(STATES.ABORTING)

        if (!isOngoing()) {
          logger.debug('No partitions or offsets registered, not sending EndTxn')

          stateMachine.transitionTo(STATES.READY)
          return
        }

        await endTransaction(false)

        stateMachine.transitionTo(STATES.READY)
      },

      /**
       * Whether the producer id has already been initialized
       */
      isInitialized() {
        return producerId !== NO_PRODUCER_ID
      },

      isTransactional() {
        return transactional
      },

      isInTransaction() {
        return stateMachine.state() === STATES.TRANSACTING
      },

      async acquireBrokerLock(broker) {
        if (this.isInitialized()) {
          brokerMutexLocks[broker.nodeId] =
            brokerMutexLocks[broker.nodeId] || new Lock({ timeout: 0xffff })
          await brokerMutexLocks[broker.nodeId].acquire()
        }
      },

      releaseBrokerLock(broker) {
        if (this.isInitialized()) brokerMutexLocks[broker.nodeId].release()
      },

      /**
       * Mark the provided offsets as participating in the transaction for the given consumer group.
       *
       * This allows us to commit an offset as consumed only if the transaction passes.
       * @param {string} consumerGroupId The unique group identifier
       * @param {OffsetCommitTopic[]} topics The unique group identifier
       * @param {number} [generationId] The group generation of the member that consumed these offsets
       *                 (KIP-447, riskstream patch); without it (-1) the coordinator skips the check
       * @param {string} [memberId] That member's id; without it ('') the coordinator skips the check
       * @param {string} [groupInstanceId] That member's static group instance id, if it has one
       * @returns {Promise}
       *
       * @typedef {Object} OffsetCommitTopic
       * @property {string} topic
       * @property {OffsetCommitTopicPartition[]} partitions
       *
       * @typedef {Object} OffsetCommitTopicPartition
       * @property {number} partition
       * @property {number} offset
       */
      async sendOffsets({ consumerGroupId, topics, generationId, memberId, groupInstanceId }) {
        assert(consumerGroupId, 'Missing consumerGroupId')
        assert(topics, 'Missing offset topics')

        // Do we need to add offsets if we've already done so for this consumer group?
        await withTransactionCoordinator(transactionCoordinator =>
          transactionCoordinator.addOffsetsToTxn({
            transactionalId,
            producerId,
            producerEpoch,
            groupId: consumerGroupId,
          })
        )

        hasOffsetsAddedToTransaction = true

        let groupCoordinator = await findCoordinator(consumerGroupId, COORDINATOR_TYPES.GROUP)

        return retrier(async (bail, retryCount, retryTime) => {
          try {
            await groupCoordinator.txnOffsetCommit({
              transactionalId,
              producerId,
              producerEpoch,
              groupId: consumerGroupId,
              generationId,
              memberId,
              groupInstanceId,
              topics,
            })
          } catch (e) {
            if (COMMIT_FENCED_BY_GROUP_PROTOCOL_ERRORS.includes(e.type)) {
              // The coordinator answered: it stays the coordinator. Not retried (riskstream patch).
              logger.debug('Offsets refused: the consumer group member is not in its generation', {
                error: e.message,
                transactionalId,
                groupId: consumerGroupId,
                generationId,
                memberId,
              })
              return bail(e)
            }

            forgetCoordinator(consumerGroupId, COORDINATOR_TYPES.GROUP, e)
            if (COMMIT_RETRIABLE_PROTOCOL_ERRORS.includes(e.type)) {
              logger.debug('Group coordinator is not ready yet, retrying', {
                error: e.message,
                stack: e.stack,
                transactionalId,
                retryCount,
                retryTime,
              })

              throw e
            }

            if (
              COMMIT_STALE_COORDINATOR_PROTOCOL_ERRORS.includes(e.type) ||
              e.code === 'ECONNREFUSED'
            ) {
              logger.debug(
                'Invalid group coordinator, finding new group coordinator and retrying',
                {
                  error: e.message,
                  stack: e.stack,
                  transactionalId,
                  retryCount,
                  retryTime,
                }
              )

              groupCoordinator = await findCoordinator(consumerGroupId, COORDINATOR_TYPES.GROUP)

              throw e
            }

            bail(e)
          }
        })
      },
    },

    /**
     * Transaction state guards
     */
    {
      initProducerId: { legalStates: [STATES.UNINITIALIZED, STATES.READY] },
      beginTransaction: { legalStates: [STATES.READY], async: false },
      addPartitionsToTransaction: { legalStates: [STATES.TRANSACTING] },
      sendOffsets: { legalStates: [STATES.TRANSACTING] },
      commit: { legalStates: [STATES.TRANSACTING] },
      abort: { legalStates: [STATES.TRANSACTING] },
    }
  )

  return eosManager
}
