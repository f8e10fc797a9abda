/**
 * Codes of a dictionary in order of first appearance; −1 for null. Numeric ids go through an
 * open-addressing table over their doubles (a line each, ~8M at a 1M-customer shop: a Map
 * keyed by heap numbers cost several times more); text ids (above 2^53) through a Map.
 *
 * Plain JavaScript on purpose: the line-reading thread (./load-lines-thread.mjs) codes its
 * lines with it and loads no TypeScript; ./load-columns.ts re-exports it (types in
 * ./load-dictionary.d.mts).
 */
export class Dictionary {
  /** Id of each code. @type {(number | string)[]} */
  ids = [];
  #keys = new Float64Array(1024);
  #codes = new Int32Array(1024).fill(-1);
  #numbers = 0;
  /** @type {Map<string, number>} */
  #text = new Map();

  /** @param {number | string | null} id */
  code(id) {
    if (id === null) return -1;
    if (typeof id === "string") {
      let k = this.#text.get(id);
      if (k === undefined) {
        this.#text.set(id, (k = this.ids.length));
        this.ids.push(id);
      }
      return k;
    }
    const codes = this.#codes;
    const keys = this.#keys;
    const mask = codes.length - 1;
    // Ids are whole numbers below 2^53: both 32-bit halves feed the hash.
    let slot = Math.imul((id >>> 0) ^ Math.imul((id / 4_294_967_296) | 0, 0x9e3779b1), 0x85ebca6b);
    for (slot = (slot ^ (slot >>> 15)) & mask; ; slot = (slot + 1) & mask) {
      const k = codes[slot];
      if (k < 0) break;
      if (keys[slot] === id) return k;
    }
    const k = this.ids.length;
    this.ids.push(id);
    keys[slot] = id;
    codes[slot] = k;
    if (++this.#numbers * 2 > codes.length) this.#grow();
    return k;
  }

  /** Doubles the table (kept at most half full) and re-inserts every number. */
  #grow() {
    const keys = this.#keys;
    const codes = this.#codes;
    this.#keys = new Float64Array(keys.length * 2);
    this.#codes = new Int32Array(codes.length * 2).fill(-1);
    const mask = this.#codes.length - 1;
    for (let s = 0; s < codes.length; s++) {
      if (codes[s] < 0) continue;
      const id = keys[s];
      let slot = Math.imul(
        (id >>> 0) ^ Math.imul((id / 4_294_967_296) | 0, 0x9e3779b1),
        0x85ebca6b,
      );
      slot = (slot ^ (slot >>> 15)) & mask;
      while (this.#codes[slot] >= 0) slot = (slot + 1) & mask;
      this.#keys[slot] = id;
      this.#codes[slot] = codes[s];
    }
  }
}
