import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { QueryError } from '@specstar/interfaces';

/** What a revision-list cursor carries: where the previous page ended, in which order, for which resource. */
export interface RevisionCursor {
  position: number;
  order: 'asc' | 'desc';
  resource: string;
}

const MAC_BYTES = 16;

/**
 * Opaque, tamper-evident cursors: base64url of the JSON position followed by an HMAC-SHA256
 * (truncated to 16 bytes). The secret is per process unless configured, so cursors do not
 * survive a restart without a configured secret, nor a change of the secret.
 */
export class RevisionCursorCodec {
  private readonly secret: Buffer;

  constructor(secret?: string | Uint8Array) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
  }

  encode(cursor: RevisionCursor): string {
    const body = Buffer.from(JSON.stringify([cursor.position, cursor.order, cursor.resource]), 'utf8');
    return Buffer.concat([this.mac(body), body]).toString('base64url');
  }

  /** The cursor, or a QueryError naming `cursor` when it was not issued (by this secret) for this resource. */
  decode(token: string, resource: string): RevisionCursor {
    const bytes = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
    const mac = bytes.subarray(0, MAC_BYTES);
    const body = bytes.subarray(MAC_BYTES);
    if (mac.length !== MAC_BYTES || !timingSafeEqual(mac, this.mac(body))) throw invalid('it was altered or was not issued by this server');
    const [position, order, owner] = JSON.parse(body.toString('utf8')) as [unknown, unknown, unknown];
    if (typeof position !== 'number' || (order !== 'asc' && order !== 'desc') || typeof owner !== 'string') throw invalid('malformed');
    if (owner !== resource) throw invalid(`it belongs to another resource`);
    return { position, order, resource: owner };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, MAC_BYTES);
  }
}

function invalid(why: string): QueryError {
  return new QueryError(`Invalid cursor: ${why}`);
}
