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
  /** Compresses `src` into one LZ4 frame (the format Kafka uses for `lz4` batches). */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Decompresses one LZ4 frame. @throws Error for input that is not an LZ4 frame */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
