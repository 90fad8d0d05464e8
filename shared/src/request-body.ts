import type { IncomingMessage } from 'node:http';

/** The body passed the limit; the caller answers 413. */
export class BodyTooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLarge';
    this.limit = limit;
  }
}

/**
 * Reads a request body, failing as soon as it passes `limit` bytes (chunked bodies declare no length).
 * Plain listeners rather than `for await`: leaving that loop early destroys the socket before the 413 is
 * sent.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Media types a JSON endpoint reads: application/json and the structured-syntax suffix (+json). */
const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9.+-]*\+)?json$/;

/**
 * Why a JSON endpoint refuses this content-type header (answered 415), or undefined when it reads it:
 * application/json (or a +json type) with no charset or UTF-8. No header at all is read as JSON: the body
 * decides, and a sender that omits the header gets the same 400 for a malformed body as anyone. A form
 * (curl -d without -H) or text/csv is refused before a byte of the body is read.
 */
export function jsonContentTypeRefusal(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const [mime = '', ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (!JSON_MEDIA_TYPE.test(mime)) return `content-type must be application/json, got ${clip(mime)}`;
  for (const param of params) {
    if (param === '') continue;
    const [key = '', value = ''] = param.split('=', 2).map((part) => part.trim());
    if (key === 'charset' && value.replace(/"/g, '') !== 'utf-8') return `charset must be utf-8, got ${clip(value)}`;
  }
  return undefined;
}

/** A header value echoed in a refusal: printable ASCII only, cut short. */
function clip(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return `'${printable.length > 64 ? `${printable.slice(0, 64)}...` : printable}'`;
}
