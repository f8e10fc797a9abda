/** Types of ./load-dictionary.mjs. */
export declare class Dictionary {
  /** Id of each code. */
  readonly ids: (number | string)[];
  /** The id's code (a new one at its first appearance); −1 for null. */
  code(id: number | string | null): number;
}
