/**
 * Kafka compression codecs for kafkajs (Node-only). kafkajs decodes and encodes `gzip` itself; this registers
 * `snappy`, `lz4` and `zstd` in kafkajs's codec table, once per process, with packages that need no native build:
 * snappy through `kafkajs-snappy` (pure JS, raw and xerial-framed input), lz4 through `lz4js` (pure JS; its block
 * compressor in frames of independent blocks, as Kafka requires),
 * zstd compressed with `@bokuweb/zstd-wasm` (WebAssembly) and decompressed with `fzstd` (pure JS, also frames without
 * a content size, as streaming producers write them). The codec ids Kafka leaves unassigned (5 to 7) get a codec that
 * fails with a message naming the id, so a batch in an unknown codec stops the consumer with that reason.
 *
 * Each codec imports its packages on its first compressed or decompressed batch (kafkajs awaits `compress` and
 * `decompress`), so a runtime whose topics are not compressed with it never loads them (issue #19, idle RSS).
 */
import kafkajs, { CompressionTypes } from 'kafkajs';

// kafkajs (CommonJS) spreads its error classes and codec table into `module.exports`, which ESM named imports miss.
const { CompressionCodecs, KafkaJSNotImplemented } = kafkajs;

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

/**
 * A function that imports a module on its first call and gives the same promise afterwards. A failed import is not
 * kept, so the next batch tries again.
 */
function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

/** lz4js's block compressor and frame reader, with its xxHash32 (for the frame header checksum). */
const lz4js = lazyModule(() => Promise.all([import('lz4js'), import('lz4js/xxh32.js')]).then(([lz4, xxh]) => ({ ...lz4, xxh32: xxh.hash })));

/** The LZ4 functions {@link lz4Frame} writes with. */
type Lz4 = Awaited<ReturnType<typeof lz4js>>;

/** A Node buffer over the same bytes as `bytes` (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** LZ4 frame magic number (little-endian on the wire). */
const LZ4_MAGIC = 0x184d2204;
/** Frame descriptor flags: version 01 and independent blocks (Kafka's reader refuses dependent blocks). */
const LZ4_FLAGS = 0x40 | 0x20;
/** Block maximum size code 7 = 4 MiB, in bits 4-6 of the BD byte. */
const LZ4_BLOCK_SIZE_CODE = 7;
/** Largest uncompressed block (bytes) for {@link LZ4_BLOCK_SIZE_CODE}. */
const LZ4_MAX_BLOCK = 4 * 1024 * 1024;
/** Set in a block's size word when the block is stored uncompressed. */
const LZ4_UNCOMPRESSED = 0x80000000;

/**
 * Writes `src` as one LZ4 frame of independent blocks (each compressed with a fresh match table), without content
 * size or checksums; lz4js's own frame writer leaves the independence flag unset, which Kafka brokers refuse.
 */
function lz4Frame(lz4: Lz4, src: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(7);
  header.writeUInt32LE(LZ4_MAGIC, 0);
  header[4] = LZ4_FLAGS;
  header[5] = LZ4_BLOCK_SIZE_CODE << 4;
  header[6] = (lz4.xxh32(0, header, 4, 2) >>> 8) & 0xff;
  parts.push(header);
  const blockOut = new Uint8Array(lz4.compressBound(LZ4_MAX_BLOCK));
  for (let start = 0; start < src.length; start += LZ4_MAX_BLOCK) {
    const size = Math.min(LZ4_MAX_BLOCK, src.length - start);
    const compressed = lz4.compressBlock(src, blockOut, start, size, new Uint32Array(1 << 16));
    const sizeWord = Buffer.alloc(4);
    if (compressed === 0 || compressed >= size) {
      sizeWord.writeUInt32LE((LZ4_UNCOMPRESSED | size) >>> 0, 0);
      parts.push(sizeWord, Buffer.from(src.subarray(start, start + size)));
    } else {
      sizeWord.writeUInt32LE(compressed, 0);
      parts.push(sizeWord, Buffer.from(blockOut.subarray(0, compressed)));
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

/** LZ4 frames, as Kafka writes them since message format v1 (KIP-57). */
const lz4Codec: KafkaCodec = {
  compress: async (encoder) => lz4Frame(await lz4js(), encoder.buffer),
  decompress: async (buffer) => asBuffer((await lz4js()).decompress(buffer)),
};

/** The zstd compressor, its WebAssembly module initialised (on the first compressed batch). */
const zstdWasm = lazyModule(async () => {
  const zstd = await import('@bokuweb/zstd-wasm');
  await zstd.init();
  return zstd;
});
/** The zstd decompressor (pure JS). */
const fzstd = lazyModule(() => import('fzstd'));

/** zstd frames. */
const zstdCodec: KafkaCodec = {
  compress: async (encoder) => asBuffer((await zstdWasm()).compress(encoder.buffer, ZSTD_LEVEL)),
  decompress: async (buffer) => asBuffer((await fzstd()).decompress(buffer)),
};

/** Snappy through kafkajs-snappy, whose codec is made on the first snappy batch. */
const snappyCodecModule = lazyModule(() => import('kafkajs-snappy').then((m) => m.default()));

/** Snappy (raw out; raw and xerial-framed in). */
const snappyCodec: KafkaCodec = {
  compress: async (encoder) => (await snappyCodecModule()).compress(encoder),
  decompress: async (buffer) => (await snappyCodecModule()).decompress(buffer),
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
