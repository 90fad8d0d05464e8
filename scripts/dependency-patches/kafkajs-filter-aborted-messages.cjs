// riskstream's replacement for kafkajs 2.2.4 src/consumer/filterAbortedMessages.js, installed by
// scripts/patch-dependencies.mjs (npm postinstall). Why: kafkajs activated at most one aborted
// transaction per message and expected the broker's list sorted by first offset. The broker lists them
// in the order they were aborted, and a kill -9 with several transactions in flight aborts several at
// once, so a read_committed consumer received whole aborted transactions (20 duplicates in the ingest
// kill test). This version, like the Java consumer, activates every aborted transaction whose first
// offset has been reached, in first-offset order, and ends each at its producer's abort marker.
const ABORTED_MESSAGE_KEY = Buffer.from([0, 0, 0, 0])

const isAbortMarker = ({ key }) => {
  if (!key) return false
  return Buffer.from(key).equals(ABORTED_MESSAGE_KEY)
}

module.exports = ({ messages, abortedTransactions }) => {
  if (!abortedTransactions || !abortedTransactions.length) {
    return messages
  }
  const pending = abortedTransactions
    .map(t => ({ firstOffset: BigInt(String(t.firstOffset)), producerId: String(t.producerId) }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
  const aborted = new Set()
  let next = 0

  return messages.filter(message => {
    const offset = BigInt(String(message.offset))
    while (next < pending.length && offset >= pending[next].firstOffset) {
      aborted.add(pending[next].producerId)
      next++
    }
    const { producerId, inTransaction } = message.batchContext
    if (isAbortMarker(message)) {
      aborted.delete(String(producerId))
      return true
    }
    return !(inTransaction && aborted.has(String(producerId)))
  })
}
