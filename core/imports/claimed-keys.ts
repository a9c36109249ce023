/**
 * The phones and emails earlier rows of an import wrote (or matched), each with the first row that did.
 * A dry-run keeps them for the whole file, so for a million rows they are most of its memory: kept in
 * typed arrays instead of Maps (about 45 bytes a row for both keys instead of ~200), exact (no lossy
 * hashing: an email hash that matches is confirmed on the stored bytes).
 *
 * Phones are kept as numbers (the digits of an E.164 number fit a double exactly), emails as UTF-8
 * bytes in one growing arena. Both tables are open addressing with linear probing over an index of
 * entry numbers, at most half full.
 */

const EMPTY = -1;

function newSlots(size: number): Int32Array {
  return new Int32Array(size).fill(EMPTY);
}

function grow<T extends Int32Array | Uint32Array | Float64Array>(array: T, make: (n: number) => T): T {
  const bigger = make(array.length * 2);
  bigger.set(array);
  return bigger;
}

/** A 32-bit mix of a non-negative integer below 2^53. */
function hashNumber(n: number): number {
  const lo = n % 4294967296 | 0;
  const hi = Math.floor(n / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** FNV-1a over the UTF-16 code units, then mixed. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

class NumberTable {
  private slots = newSlots(1 << 12);
  private keys = new Float64Array(1 << 11);
  private rows = new Int32Array(1 << 11);
  size = 0;

  private find(key: number): number {
    const mask = this.slots.length - 1;
    for (let i = hashNumber(key) & mask; ; i = (i + 1) & mask) {
      const entry = this.slots[i] as number;
      if (entry === EMPTY || this.keys[entry] === key) return i;
    }
  }

  get(key: number): number | undefined {
    const entry = this.slots[this.find(key)] as number;
    return entry === EMPTY ? undefined : this.rows[entry];
  }

  /** Keeps the first row that claimed the key. */
  claim(key: number, row: number): void {
    const slot = this.find(key);
    if (this.slots[slot] !== EMPTY) return;
    if (this.size === this.keys.length) {
      this.keys = grow(this.keys, (n) => new Float64Array(n));
      this.rows = grow(this.rows, (n) => new Int32Array(n));
    }
    this.keys[this.size] = key;
    this.rows[this.size] = row;
    this.slots[slot] = this.size++;
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    this.slots = newSlots(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let i = hashNumber(this.keys[entry] as number) & mask;
      while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
      this.slots[i] = entry;
    }
  }
}

const encoder = new TextEncoder();

class StringTable {
  private slots = newSlots(1 << 12);
  private hashes = new Uint32Array(1 << 11);
  private starts = new Int32Array(1 << 11);
  private lengths = new Int32Array(1 << 11);
  private rows = new Int32Array(1 << 11);
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  private scratch = new Uint8Array(1024);
  /** How many bytes of the scratch buffer the last `find` filled. */
  private scratchLength = 0;
  size = 0;

  /** The UTF-8 bytes of `s` in the scratch buffer; returns their length. */
  private encode(s: string): number {
    if (this.scratch.length < s.length * 3) this.scratch = new Uint8Array(s.length * 3);
    this.scratchLength = encoder.encodeInto(s, this.scratch).written;
    return this.scratchLength;
  }

  private sameBytes(entry: number, length: number): boolean {
    if (this.lengths[entry] !== length) return false;
    const start = this.starts[entry] as number;
    for (let i = 0; i < length; i++) if (this.bytes[start + i] !== this.scratch[i]) return false;
    return true;
  }

  /** The slot holding `s`, or the empty slot where it would go; the scratch buffer then holds its bytes. */
  private find(s: string, hash: number): number {
    const mask = this.slots.length - 1;
    let length = -1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = this.slots[i] as number;
      if (entry === EMPTY) {
        if (length < 0) this.encode(s);
        return i;
      }
      if (this.hashes[entry] === hash) {
        if (length < 0) length = this.encode(s);
        if (this.sameBytes(entry, length)) return i;
      }
    }
  }

  get(s: string): number | undefined {
    const entry = this.slots[this.find(s, hashString(s))] as number;
    return entry === EMPTY ? undefined : this.rows[entry];
  }

  claim(s: string, row: number): void {
    const hash = hashString(s);
    const slot = this.find(s, hash);
    if (this.slots[slot] !== EMPTY) return;
    const length = this.scratchLength;
    while (this.used + length > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    this.bytes.set(this.scratch.subarray(0, length), this.used);
    if (this.size === this.rows.length) {
      this.hashes = grow(this.hashes, (n) => new Uint32Array(n));
      this.starts = grow(this.starts, (n) => new Int32Array(n));
      this.lengths = grow(this.lengths, (n) => new Int32Array(n));
      this.rows = grow(this.rows, (n) => new Int32Array(n));
    }
    this.hashes[this.size] = hash;
    this.starts[this.size] = this.used;
    this.lengths[this.size] = length;
    this.rows[this.size] = row;
    this.used += length;
    this.slots[slot] = this.size++;
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    this.slots = newSlots(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let i = (this.hashes[entry] as number) & mask;
      while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
      this.slots[i] = entry;
    }
  }
}

export class ClaimedKeys {
  private readonly phones = new NumberTable();
  private readonly emails = new StringTable();

  /** The first row that claimed this E.164 phone. */
  phone(e164: string): number | undefined {
    return this.phones.get(Number(e164.slice(1)));
  }

  /** The first row that claimed this (normalized) email. */
  email(email: string | null): number | undefined {
    return email === null ? undefined : this.emails.get(email);
  }

  claim(row: number, phones: readonly string[], emails: readonly (string | null)[]): void {
    for (const p of phones) this.phones.claim(Number(p.slice(1)), row);
    for (const e of emails) if (e !== null) this.emails.claim(e, row);
  }

  get size(): number {
    return this.phones.size + this.emails.size;
  }
}
