import { getQueue } from "../../app/jobs/queues.server";

/**
 * Waits until the run's webhooks queue holds no waiting, active, delayed or prioritized job
 * (at most 60 s), so a test reads the database after every delivered webhook was processed.
 */
export async function webhooksQueueDrained(): Promise<void> {
  const queue = getQueue("webhooks");
  for (let i = 0; i < 1_200; i++) {
    const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    if (Object.values(counts).every((n) => n === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the webhooks queue did not drain");
}
