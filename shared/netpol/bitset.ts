/**
 * Fixed-size bit sets over pod indices. The reachability matrix is built from these: a policy's
 * selected pods, a rule's peers and a pod's allowed peers are sets, so 4 million pairs become
 * a few thousand word-wide ORs and ANDs instead of 4 million rule walks.
 */
export class Bitset {
  readonly words: Uint32Array;

  constructor(readonly size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  static full(size: number): Bitset {
    const b = new Bitset(size);
    b.words.fill(0xffffffff);
    b.trim();
    return b;
  }

  /** Clears the bits past `size` in the last word so counts and equality stay exact. */
  private trim(): void {
    const rest = this.size & 31;
    if (rest === 0 || this.words.length === 0) return;
    const last = this.words.length - 1;
    this.words[last] = this.words[last]! & ((1 << rest) - 1);
  }

  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  add(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }

  delete(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }

  orInPlace(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! |= b[i]!;
    return this;
  }

  andInPlace(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= b[i]!;
    return this;
  }

  /** this |= (x & y), without allocating. */
  orAnd(x: Bitset, y: Bitset): this {
    const a = this.words;
    const b = x.words;
    const c = y.words;
    for (let i = 0; i < a.length; i++) a[i]! |= b[i]! & c[i]!;
    return this;
  }

  /** this &= ~other. */
  andNotInPlace(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= ~b[i]!;
    return this;
  }

  /** this |= (x & ~mask), without allocating. */
  orAndNot(x: Bitset, mask: Bitset): this {
    const a = this.words;
    const b = x.words;
    const c = mask.words;
    for (let i = 0; i < a.length; i++) a[i]! |= b[i]! & ~c[i]!;
    return this;
  }

  clone(): Bitset {
    return new Bitset(this.size, this.words.slice());
  }

  isEmpty(): boolean {
    for (const w of this.words) if (w !== 0) return false;
    return true;
  }

  count(): number {
    let n = 0;
    for (let w of this.words) {
      w = w - ((w >>> 1) & 0x55555555);
      w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
      n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }

  /** Calls fn for each member, in increasing order. */
  forEach(fn: (i: number) => void): void {
    const words = this.words;
    for (let wi = 0; wi < words.length; wi++) {
      let w = words[wi]!;
      while (w !== 0) {
        const t = w & -w;
        fn((wi << 5) + (31 - Math.clz32(t)));
        w ^= t;
      }
    }
  }

  toArray(): number[] {
    const out: number[] = [];
    this.forEach((i) => out.push(i));
    return out;
  }
}
