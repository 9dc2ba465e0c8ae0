// Rebalance churn: three `tributary run` instances in one consumer group on the real broker, one of them killed with
// kill -9 and restarted nine times while the topic is read. Nothing is lost, and no instance commits an offset for a
// partition it does not own.
//
// How the ownership is observed: every instance runs with LOG_LEVEL=trace, which lets kafkajs's own debug lines
// through as JSON log lines in the order the instance saw them. "Received assignment" (and the runtime's `joined`
// event) give the instance's partitions for each generation; each "Response OffsetCommit" line lists the partitions of
// a commit the broker accepted (a refused commit, e.g. REBALANCE_IN_PROGRESS from a member of an older generation, is
// logged as an error instead). Every accepted commit of an instance is checked against the assignment it held when
// the answer arrived: the broker answers on one connection in order, so an answer that arrives after a new assignment
// belongs to a commit the broker took after that generation began.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testRedis, uniqueName } from '../support/services';
import { groupProgress, killAllCli, seedTopic, tempDir, type RunningCli } from '../support/runtime';
import { auditCommits } from '../support/commit-audit';
import { countingFlow, inFlightBound, joined, reportReliability, runFlow, stopRun, tally, waitForProgress, waitForRun } from '../support/fault-pipeline';

const PARTITIONS = 12;
const BATCH_SIZE = 100;
/** Records per second per instance. */
const RATE = 150;
const INSTANCES = 3;
const KILLS = 9;

const redis = testRedis();

describe('rebalance churn', () => {
  afterEach(killAllCli);
  let prefix: string | undefined;
  afterAll(async () => {
    if (prefix !== undefined) await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
  });

  it(`3 instances, ${KILLS} kill -9 and restarts: nothing lost, no commit for a partition an instance does not own`, async () => {
    const count = 50_000;
    const topic = uniqueName('faults-churn');
    const groupId = `${topic}-group`;
    prefix = `${topic}:`;
    await createTopic(topic, PARTITIONS);
    await seedTopic(topic, count, (i) => ({ id: i }));
    const flowFile = countingFlow(tempDir('tributary-faults-churn-'), 'churn.flow.yaml', {
      brokers: kafkaBrokers,
      topic,
      groupId,
      redisUrl,
      prefix,
      ratePerSecond: RATE,
      batchSize: BATCH_SIZE,
    });
    const start = (): RunningCli => runFlow(flowFile, [], { LOG_LEVEL: 'trace' });
    const all: RunningCli[] = [];
    const members: RunningCli[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      const run = start();
      all.push(run);
      members.push(run);
    }
    for (const run of members) await waitForRun(run, 'an instance to join the group', () => joined(run), 90_000, 100);

    const committedAtKills: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      await new Promise((resolve) => setTimeout(resolve, 1000 + Math.floor(Math.random() * 2000)));
      const victim = k % INSTANCES;
      committedAtKills.push((await groupProgress(groupId, topic)).committed);
      await stopRun(members[victim]!, 'SIGKILL');
      const replacement = start();
      all.push(replacement);
      members[victim] = replacement;
      await waitForRun(replacement, `instance ${all.length} to join the group`, () => joined(replacement), 90_000, 100);
    }
    const last = members[0]!;
    // Progress, not a fixed time: each instance is rate-limited to RATE records/s, and on a loaded machine the kills
    // and joins leave most of the topic for this phase. A pipeline that stopped committing fails after 90 s.
    await waitForProgress(last, 'every offset committed', async () => (await groupProgress(groupId, topic)).committed, count, 90_000, 600_000);
    for (const run of members) expect(await stopRun(run, 'SIGTERM')).toBe(0);

    const result = await tally(redis, prefix, count);
    const audits = all.map((run) => auditCommits(run.output.stderr));
    const violations = audits.flatMap((a) => a.violations);
    // Each kill and restart costs up to two rebalances (the restarted member joins; the killed one's session expires);
    // at each, what the group had in flight may be delivered again.
    const bound = KILLS * 2 * inFlightBound({ partitions: PARTITIONS, batchSize: BATCH_SIZE, ratePerSecond: INSTANCES * RATE });
    reportReliability(
      `rebalance churn, ${INSTANCES} instances, ${KILLS} kill -9 + restart`,
      `0 lost; 0 commits for unowned partitions (audited from each instance's kafkajs debug log); duplicates <= ${bound}`,
      {
        records: count,
        partitions: PARTITIONS,
        instancesStarted: all.length,
        lost: result.lost,
        duplicates: result.duplicates,
        bound,
        acceptedCommitPartitions: audits.reduce((n, a) => n + a.committed, 0),
        assignments: audits.reduce((n, a) => n + a.assignments, 0),
        unownedCommits: violations.length,
        committedAtKills,
      },
    );
    for (const committed of committedAtKills) expect(committed).toBeLessThan(count);
    // The audit saw commits at all (the debug lines are there), and none for a partition not owned.
    expect(audits.reduce((n, a) => n + a.committed, 0)).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBeLessThanOrEqual(bound);
  });
});
