// riskstream's replacement for kafkajs 2.2.4 src/protocol/requests/offsetFetch/index.js, installed by
// scripts/patch-dependencies.mjs (npm postinstall). Why: KIP-447. kafkajs implemented versions 1-4 only;
// versions 5, 6 (flexible) and 7 (require_stable) are added. requireStable is sent by version 7 only; an
// older broker has no such flag and answers with the last committed offset, as before.
const versions = {
  1: ({ groupId, topics }) => {
    const request = require('./v1/request')
    const response = require('./v1/response')
    return { request: request({ groupId, topics }), response }
  },
  2: ({ groupId, topics }) => {
    const request = require('./v2/request')
    const response = require('./v2/response')
    return { request: request({ groupId, topics }), response }
  },
  3: ({ groupId, topics }) => {
    const request = require('./v3/request')
    const response = require('./v3/response')
    return { request: request({ groupId, topics }), response }
  },
  4: ({ groupId, topics }) => {
    const request = require('./v4/request')
    const response = require('./v4/response')
    return { request: request({ groupId, topics }), response }
  },
  5: ({ groupId, topics }) => {
    const request = require('./v5/request')
    const response = require('./v5/response')
    return { request: request({ groupId, topics }), response }
  },
  6: ({ groupId, topics }) => {
    const request = require('./v6/request')
    const response = require('./v6/response')
    return { request: request({ groupId, topics }), response }
  },
  7: ({ groupId, topics, requireStable }) => {
    const request = require('./v7/request')
    const response = require('./v7/response')
    return { request: request({ groupId, topics, requireStable }), response }
  },
}

module.exports = {
  versions: Object.keys(versions),
  protocol: ({ version }) => versions[version],
}
