/**
 * Seeds the input of examples/clickstream.flow.yaml: about 38 seconds of page views of a product site (event time
 * 2024-05-06T09:00:00Z onwards, in `value.ts`), the same every run, on a one-partition topic (key = session id).
 *
 * Like real browser beacons, some views arrive out of order (up to 1.8 s behind, within the flow's 2 s allowed
 * lateness), two arrive much too late (their window is already closed: the flow sends them to the late topic), some
 * come from crawlers (filtered out) and one comes from a broken client without a timestamp (dead-lettered).
 *
 *   npx tsx examples/seed/clickstream.ts   # honours KAFKA_BROKERS, CLICKS_TOPIC, CLICKS_LATE_TOPIC, CLICKS_DLQ_TOPIC
 */
import { EPOCH_MS, env, isMain, kafkaBrokers, pickWeighted, produceToKafka, randomInt, seededRandom, type SeedMessage } from './common';

/** A page view as the site's beacon sends it. */
export interface PageView {
  viewId: string;
  sessionId: string;
  userId: string;
  page: string;
  referrer: string;
  userAgent: string;
  /** Event time: when the page was viewed (ms since the epoch). Absent in the one view of a broken client. */
  ts?: number;
}

/** How many views {@link generatePageViews} makes. */
export const PAGE_VIEW_COUNT = 160;

const PAGES = ['/', '/pricing', '/docs/getting-started', '/docs/nodes', '/blog/kafka-at-least-once', '/signup'] as const;
const PAGE_WEIGHTS = [30, 18, 14, 9, 7, 5];
const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/', '', 'https://github.com/'] as const;
const BROWSERS = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
] as const;
const CRAWLER = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** Positions of the views that arrive far too late, and how far behind they are (ms). */
const VERY_LATE: ReadonlyMap<number, number> = new Map([
  [97, 15_500],
  [131, 12_300],
]);
/** Position of the view without a timestamp. */
const NO_TIMESTAMP = 58;

/** The {@link PAGE_VIEW_COUNT} seeded page views, in topic order; the same on every call. */
export function generatePageViews(): PageView[] {
  const random = seededRandom(424242);
  const views: PageView[] = [];
  for (let i = 0; i < PAGE_VIEW_COUNT; i++) {
    const crawler = random() < 0.08;
    const session = randomInt(random, 1, 24);
    const view: PageView = {
      viewId: `pv-${String(i).padStart(6, '0')}`,
      sessionId: `s-${String(session).padStart(3, '0')}`,
      userId: crawler ? 'anonymous' : `u-${String(1000 + session * 7).padStart(5, '0')}`,
      page: pickWeighted(random, PAGES, PAGE_WEIGHTS),
      referrer: REFERRERS[randomInt(random, 0, REFERRERS.length - 1)]!,
      userAgent: crawler ? CRAWLER : BROWSERS[randomInt(random, 0, BROWSERS.length - 1)]!,
    };
    let ts = EPOCH_MS + i * 235;
    const outOfOrder = random() < 0.15;
    if (i >= 10 && outOfOrder) ts -= randomInt(random, 100, 1_800);
    ts -= VERY_LATE.get(i) ?? 0;
    if (i !== NO_TIMESTAMP) view.ts = ts;
    views.push(view);
  }
  return views;
}

/** The views as Kafka messages (key = session id, value = JSON). */
export function pageViewMessages(views: readonly PageView[] = generatePageViews()): SeedMessage[] {
  return views.map((view) => ({ key: view.sessionId, value: JSON.stringify(view) }));
}

/** Topic names, as the flow reads them from the environment. */
export interface ClickstreamTopics {
  topic: string;
  lateTopic: string;
  dlqTopic: string;
}

/** The names from CLICKS_TOPIC, CLICKS_LATE_TOPIC and CLICKS_DLQ_TOPIC, with the flow's defaults. */
export function clickstreamTopicsFromEnv(): ClickstreamTopics {
  return {
    topic: env('CLICKS_TOPIC', 'page-views'),
    lateTopic: env('CLICKS_LATE_TOPIC', 'page-views-late'),
    dlqTopic: env('CLICKS_DLQ_TOPIC', 'page-views-dlq'),
  };
}

/**
 * Creates the topics that are missing (page views with ONE partition: the window's watermark is per partition, and one
 * partition read in order makes the result exact and repeatable) and produces {@link generatePageViews}.
 * @returns the views produced
 */
export async function seedClickstream(brokers: string[], topics: ClickstreamTopics): Promise<PageView[]> {
  const views = generatePageViews();
  await produceToKafka(brokers, topics.topic, pageViewMessages(views), [
    { name: topics.topic, partitions: 1 },
    { name: topics.lateTopic, partitions: 1 },
    { name: topics.dlqTopic, partitions: 1 },
  ]);
  return views;
}

if (isMain(import.meta.url)) {
  const topics = clickstreamTopicsFromEnv();
  const views = await seedClickstream(kafkaBrokers(), topics);
  const times = views.flatMap((v) => (v.ts === undefined ? [] : [v.ts]));
  console.log(
    `produced ${views.length} page views to ${topics.topic}, event time ${new Date(Math.min(...times)).toISOString()} .. ${new Date(Math.max(...times)).toISOString()}`,
  );
}
