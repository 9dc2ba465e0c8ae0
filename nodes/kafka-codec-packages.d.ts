/**
 * Type declarations of the two compression packages that ship none, limited to what `nodes/kafka-codecs.runtime.ts`
 * calls.
 */
declare module 'kafkajs-snappy' {
  /** A kafkajs compression codec: `compress` gets kafkajs's encoder (its `buffer` holds the batch's records). */
  interface SnappyCodec {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  }
  /** Makes the snappy codec (raw snappy out; raw and xerial-framed snappy in). */
  const createSnappyCodec: () => SnappyCodec;
  export default createSnappyCodec;
}

declare module 'lz4js' {
  /** Largest compressed size (bytes) of `n` input bytes. */
  export function compressBound(n: number): number;
  /**
   * Compresses `src[sIndex, sIndex + sLength)` as one LZ4 block into `dst` from index 0, matching through `hashTable`
   * (65,536 entries, zero = empty); returns the compressed size, 0 when the block does not compress.
   */
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  /** Decompresses one LZ4 frame. @throws Error for input that is not an LZ4 frame */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}

declare module 'lz4js/xxh32.js' {
  /** xxHash32 of `src[index, index + len)` with `seed`, as an unsigned 32-bit number. */
  export function hash(seed: number, src: Uint8Array, index: number, len: number): number;
}
