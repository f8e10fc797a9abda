/**
 * The operators' queue dashboard (bull-board), served by a worker process on its own
 * port — bound to 127.0.0.1 by default — and behind ADMIN_SECRET (HTTP Basic, any user
 * name). It is not part of the Remix app, so no merchant route can reach it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express, { type NextFunction, type Request, type Response } from "express";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Constant-time check of the Basic password against the secret. */
export function authorized(header: string | undefined, secret: string): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const password = decoded.slice(decoded.indexOf(":") + 1);
  return timingSafeEqual(digest(password), digest(secret));
}

export interface DashboardOptions {
  queues: Queue[];
  secret: string;
  port: number;
  host?: string;
}

export async function startQueueDashboard(options: DashboardOptions): Promise<Server> {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath("/ops/queues");
  createBullBoard({
    queues: options.queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
  });
  const app = express();
  app.disable("x-powered-by");
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (authorized(req.headers.authorization, options.secret)) return next();
    res.set("WWW-Authenticate", 'Basic realm="Kizuna queues"').status(401).send("Unauthorized");
  });
  app.use("/ops/queues", serverAdapter.getRouter());
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host ?? "127.0.0.1", (error?: Error) =>
      error ? reject(error) : resolve(server),
    );
  });
}
