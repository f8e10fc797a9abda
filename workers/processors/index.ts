/**
 * Job processors by queue and job name. Processors stay thin: they parse the job data
 * and call a service in app/ (sync, analytics, tags).
 */
import type { Job } from "bullmq";
import type { QueueName } from "../../app/jobs/queues.server";

export type Processor = (job: Job) => Promise<unknown>;

export const processors: Record<QueueName, Record<string, Processor>> = {
  sync: {},
  webhooks: {},
  compute: {},
  tags: {},
  housekeeping: {},
};
