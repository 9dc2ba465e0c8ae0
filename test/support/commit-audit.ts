/**
 * The commit audit of the rebalance-churn fault test: reads one `tributary run` instance's JSON log at LOG_LEVEL=trace
 * (kafkajs debug lines included) and checks each offset commit the broker accepted against the partitions the instance
 * was assigned when the answer arrived.
 */

/** What one instance's log says about its commits. */
export interface CommitAudit {
  /** Partitions of accepted commits. */
  committed: number;
  /** Accepted commits for a partition outside the instance's assignment at that moment. */
  violations: string[];
  /** Assignments the instance received (kafkajs "Received assignment" lines). */
  assignments: number;
}

/**
 * Checks every accepted OffsetCommit in one instance's JSON log against the assignment it held at that moment: the
 * last kafkajs "Received assignment" line (or the runtime's `joined` event) before the "Response OffsetCommit" line.
 * An instance that commits before any assignment counts as a violation too.
 */
export function auditCommits(log: string): CommitAudit {
  const audit: CommitAudit = { committed: 0, violations: [], assignments: 0 };
  let owned: Set<string> | undefined;
  const assign = (assignment: Record<string, number[]> | undefined): void => {
    owned = new Set(Object.entries(assignment ?? {}).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`)));
  };
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; event?: string; memberAssignment?: Record<string, number[]>; assigned?: Record<string, number[]>; data?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.msg === 'Received assignment') {
      assign(entry.memberAssignment);
      audit.assignments++;
    }
    else if (entry.event === 'joined') assign(entry.assigned);
    else if (entry.msg?.startsWith('Response OffsetCommit') === true) {
      const data = entry.data as { responses?: { topic: string; partitions: { partition: number; errorCode: number }[] }[] } | undefined;
      for (const { topic, partitions } of data?.responses ?? []) {
        for (const { partition, errorCode } of partitions) {
          if (errorCode !== 0) continue;
          audit.committed++;
          if (owned?.has(`${topic}:${partition}`) !== true) audit.violations.push(`${topic}:${partition}`);
        }
      }
    }
  }
  return audit;
}
