/**
 * Names inside the OpenAPI document: component keys and operation ids. Both must be unique
 * across the whole document; allocation is first-come in a fixed order, so the same registry
 * always yields the same names.
 */

/** Component keys must match `^[a-zA-Z0-9._-]+$`; `.` is mapped too. */
export function sanitizeComponentName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned === '' ? 'Schema' : cleaned;
}

/** `user-profile` → `UserProfile`, `blog.post_v2` → `BlogPostV2`. */
export function pascalCase(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '');
  const joined = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return joined === '' ? 'Model' : joined;
}

/** A set of used names that hands out the first free candidate, else a numbered variant. */
export class NameAllocator {
  private readonly used = new Set<string>();

  constructor(private readonly clean: (name: string) => string = (name) => name) {}

  /** Claims a fixed name; claiming it twice is a programming error. */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`OpenAPI name '${name}' reserved twice`);
    this.used.add(name);
    return name;
  }

  has(name: string): boolean {
    return this.used.has(name);
  }

  /** The first free candidate; when all are taken, the first one with `_2`, `_3`, … */
  allocate(...candidates: string[]): string {
    const cleaned = candidates.map(this.clean);
    for (const name of cleaned) {
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
    const base = cleaned[0] ?? 'Schema';
    for (let n = 2; ; n++) {
      const name = `${base}_${n}`;
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }
}

/** Operation ids: identifier-like so client generators can use them as method names. */
export function operationIdPart(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'model';
}
