/**
 * Kafka compression codecs for kafkajs (Node-only). kafkajs decodes and encodes `gzip` itself; this registers
 * `snappy`, `lz4` and `zstd` in kafkajs's codec table, once per process, with packages that need no native build:
 * snappy through `kafkajs-snappy` (pure JS, raw and xerial-framed input), lz4 through `lz4js` (LZ4 frames, pure JS),
 * zstd compressed with `@bokuweb/zstd-wasm` (WebAssembly) and decompressed with `fzstd` (pure JS, also frames without
 * a content size, as streaming producers write them). The codec ids Kafka leaves unassigned (5 to 7) get a codec that
 * fails with a message naming the id, so a batch in an unknown codec stops the consumer with that reason.
 */
import { init as initZstd, compress as zstdCompress } from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes, KafkaJSNotImplemented } from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import { compress as lz4Compress, decompress as lz4Decompress } from 'lz4js';

/** The compression codecs records can be produced with and read in (`none` is no codec). */
export const KAFKA_COMPRESSION_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** A compression codec name, as `sink.kafka` `compression` spells it. */
export type KafkaCompressionCodec = (typeof KAFKA_COMPRESSION_CODECS)[number];

/** The kafkajs compression type of each codec name. */
const COMPRESSION_TYPES: Readonly<Record<KafkaCompressionCodec, CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** zstd compression level of produced batches (zstd's own default). */
const ZSTD_LEVEL = 3;

/** The codec shape kafkajs calls: `compress` gets kafkajs's encoder, whose `buffer` holds the batch's records. */
interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** A Node buffer over the same bytes as `bytes` (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** LZ4 frames, as Kafka writes them since message format v1 (KIP-57). */
const lz4Codec: KafkaCodec = {
  compress: (encoder) => Promise.resolve(asBuffer(lz4Compress(encoder.buffer))),
  decompress: (buffer) => Promise.resolve(asBuffer(lz4Decompress(buffer))),
};

let zstdReady: Promise<void> | undefined;

/** zstd frames; the WebAssembly module is loaded on the first compressed batch. */
const zstdCodec: KafkaCodec = {
  async compress(encoder) {
    zstdReady ??= initZstd();
    await zstdReady;
    return asBuffer(zstdCompress(encoder.buffer, ZSTD_LEVEL));
  },
  decompress: (buffer) => Promise.resolve(asBuffer(zstdDecompress(buffer))),
};

/** Codec ids of the record batch attributes (3 bits) that Kafka does not assign to any codec. */
const UNASSIGNED_CODEC_IDS = [5, 6, 7] as const;

/** kafkajs's `KafkaJSNotImplemented` (not retriable), whose declared constructor omits the message it takes. */
const NotImplemented = KafkaJSNotImplemented as unknown as new (message: string) => Error;

/** A codec that refuses every batch, naming the codec id and the codecs that are supported. */
function unknownCodec(id: number): KafkaCodec {
  const refuse = (): Promise<Buffer> =>
    Promise.reject(
      new NotImplemented(
        `record batch compressed with unknown Kafka compression codec id ${id} ` +
          `(supported: ${KAFKA_COMPRESSION_CODECS.join(', ')})`,
      ),
    );
  return { compress: refuse, decompress: refuse };
}

let registered = false;

/**
 * Registers the snappy, lz4 and zstd codecs (and the refusing codec of the unassigned ids) in kafkajs's codec table.
 * Idempotent: later calls do nothing. Called by `createKafkaClient`, so every client can read and write all codecs.
 */
export function registerKafkaCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as Record<number, () => KafkaCodec>;
  const snappyCodec = createSnappyCodec();
  codecs[CompressionTypes.Snappy] = () => snappyCodec;
  codecs[CompressionTypes.LZ4] = () => lz4Codec;
  codecs[CompressionTypes.ZSTD] = () => zstdCodec;
  for (const id of UNASSIGNED_CODEC_IDS) {
    const codec = unknownCodec(id);
    codecs[id] = () => codec;
  }
}

/** The kafkajs compression type of a codec name (`none` -> `CompressionTypes.None`). */
export function kafkaCompressionType(codec: KafkaCompressionCodec): CompressionTypes {
  return COMPRESSION_TYPES[codec];
}
