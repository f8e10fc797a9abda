import { parseArgs } from "node:util";
import { isQueueName, QUEUE_NAMES, type QueueName } from "../app/jobs/queues.server";

/** `--queues compute,tags` → the queues this process works on (all when absent). */
export function parseQueues(argv: string[]): QueueName[] {
  const { values } = parseArgs({ args: argv, options: { queues: { type: "string" } } });
  if (!values.queues) return [...QUEUE_NAMES];
  const names = values.queues
    .split(",")
    .map((q) => q.trim())
    .filter(Boolean);
  const unknown = names.filter((q) => !isQueueName(q));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(
      `Unknown queue(s): ${unknown.join(", ") || "(none given)"}. Known: ${QUEUE_NAMES.join(", ")}`,
    );
  }
  return names as QueueName[];
}
