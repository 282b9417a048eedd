/**
 * Where the resource store keeps a model's revisions, under the store prefix:
 *
 *   resources/<resource>/r.<revision>.<version>   one object per record (see record-object.ts)
 *   resources/<resource>/o.<stamp>.<revision>     an empty marker per save: write order
 *
 * `<resource>` and `<revision>` are encoded segments (keys.ts), which never contain `.`;
 * `<version>` is `no_ver` for a null schema version and `v_<encoded version>` otherwise, so no
 * version string can collide with the null marker. S3 lists keys in byte order, not write order;
 * the markers' stamps restore it. Every object sits one level below its resource's folder, so a
 * delimiter listing of `resources/` finds each resource once (also on s3rver, which does not
 * look deeper for common prefixes).
 */
import { encodeSegment } from './keys';

const NO_VERSION = 'no_ver';

/** Width of a write stamp: 13 digits of epoch milliseconds and 4 of a counter within one millisecond. */
export const STAMP_LENGTH = 17;

export function versionSegment(schemaVersion: string | null): string {
  return schemaVersion === null ? NO_VERSION : `v_${encodeSegment(schemaVersion)}`;
}

/** The schema version of a version segment: null, a string, or undefined for a hashed one. */
export function versionOfSegment(segment: string, decode: (encoded: string) => string | undefined): string | null | undefined {
  if (segment === NO_VERSION) return null;
  return segment.startsWith('v_') ? decode(segment.slice(2)) : undefined;
}

/**
 * Increasing write stamps: epoch milliseconds and a counter, so saves in one process within one
 * millisecond keep their order. Processes tie only within the same millisecond and count.
 */
export class WriteClock {
  private lastMs = 0;
  private count = 0;

  next(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.count = 0;
    } else if (++this.count > 9999) {
      this.lastMs += 1;
      this.count = 0;
    }
    return `${String(this.lastMs).padStart(13, '0')}${String(this.count).padStart(4, '0')}`;
  }
}

export class RevisionKeys {
  readonly root: string;

  constructor(prefix: string) {
    this.root = `${prefix}resources/`;
  }

  resource(resourceId: string): string {
    return `${this.root}${encodeSegment(resourceId)}/`;
  }

  /** The prefix of every record of a resource (`…/r.`). */
  records(resourceId: string): string {
    return `${this.resource(resourceId)}r.`;
  }

  /** The prefix of every schema version of a revision (`…/r.<revision>.`). */
  revision(resourceId: string, revisionId: string): string {
    return `${this.records(resourceId)}${encodeSegment(revisionId)}.`;
  }

  record(resourceId: string, revisionId: string, schemaVersion: string | null): string {
    return `${this.revision(resourceId, revisionId)}${versionSegment(schemaVersion)}`;
  }

  /** The prefix of every write-order marker of a resource (`…/o.`). */
  markers(resourceId: string): string {
    return `${this.resource(resourceId)}o.`;
  }

  marker(resourceId: string, revisionId: string, stamp: string): string {
    return `${this.markers(resourceId)}${stamp}.${encodeSegment(revisionId)}`;
  }
}
