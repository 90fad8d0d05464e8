import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP peer (the npm smtp-server) that accepts every message and keeps it: the fake smarthost for
 * Alertmanager's e-mail receiver. Plain TCP without STARTTLS (the receiver under test sets
 * require_tls: false); AUTH PLAIN/LOGIN is offered over it and the credentials are recorded, so a test
 * can prove the password file reached the relay.
 */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly auth?: { readonly method: string; readonly username: string; readonly password: string };
  readonly raw: string;
  /** Header value by lower-case name (first occurrence, unfolded). */
  header(name: string): string | undefined;
  /** The decoded body of the first part with this content type (text/plain, text/html). */
  part(contentType: string): string | undefined;
}

export interface SmtpSink {
  readonly port: number;
  readonly hostPort: string;
  readonly mails: readonly ReceivedMail[];
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function headerBlock(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !headers.has(line.slice(0, i).toLowerCase())) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return headers;
}

function splitHead(raw: string): { head: string; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  return m === null ? { head: raw, body: '' } : { head: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

function findPart(headers: Map<string, string>, body: string, contentType: string): string | undefined {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith('multipart/') && boundary !== undefined) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitHead(chunk.replace(/^\r?\n/, ''));
      const found = findPart(headerBlock(part.head), part.body, contentType);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return type.toLowerCase().startsWith(contentType) ? decodeBody(headers, body) : undefined;
}

function mail(from: string, to: string[], auth: ReceivedMail['auth'], raw: string): ReceivedMail {
  const { head, body } = splitHead(raw);
  const headers = headerBlock(head);
  return { from, to, ...(auth && { auth }), raw, header: (n) => headers.get(n.toLowerCase()), part: (t) => findPart(headers, body, t) };
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const auths = new Map<string, ReceivedMail['auth']>();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, session, callback) {
      auths.set(session.id, { method: auth.method, username: auth.username ?? '', password: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push(mail(from, session.envelope.rcptTo.map((r) => r.address), auths.get(session.id), Buffer.concat(chunks).toString('utf8')));
        callback();
        for (const w of waiters) w();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    mails,
    waitFor(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (mails.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...mails]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp sink: ${mails.length} of ${count} mails within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
