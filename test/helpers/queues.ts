import { getQueue } from "../../app/jobs/queues.server";

/**
 * Waits until the run's webhooks queue holds no waiting, active, delayed or prioritized job
 * (at most 60 s), so a test reads the database after every delivered webhook was processed.
 * A timeout names the jobs still pending and why the last failed ones failed.
 */
export async function webhooksQueueDrained(): Promise<void> {
  const queue = getQueue("webhooks");
  let counts: Record<string, number> = {};
  for (let i = 0; i < 1_200; i++) {
    counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    if (Object.values(counts).every((n) => n === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const failed = await queue.getJobs(["failed"], 0, 4);
  throw new Error(
    `the webhooks queue did not drain within 60 s: ${JSON.stringify(counts)} pending; ` +
      `last failed: ${JSON.stringify(failed.map((j) => `${j.name}: ${j.failedReason}`))}`,
  );
}
