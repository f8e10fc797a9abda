/**
 * pino logger. Secrets never reach the log: tokens, secrets and authorization headers
 * are redacted wherever they appear in a logged object.
 */
import pino from "pino";

const REDACT = [
  "accessToken",
  "refreshToken",
  "*.accessToken",
  "*.refreshToken",
  "*.access_token",
  "*.refresh_token",
  "apiSecretKey",
  "*.apiSecretKey",
  "headers.authorization",
  "*.headers.authorization",
  'headers["x-shopify-access-token"]',
  '*.headers["x-shopify-access-token"]',
  "idToken",
  "*.idToken",
];

export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { app: "kizuna" },
  redact: { paths: REDACT, censor: "[redacted]" },
});

export type Logger = pino.Logger;

/** Session tokens (JWTs) and Shopify access/refresh tokens inside free text. */
const TOKEN_SHAPED = /eyJ[\w-]*\.[\w-]+\.[\w-]*|\bshp[a-z]{2}_[A-Za-z0-9]+/g;

/** Free text (a library's log line) with anything token-shaped cut out. */
export function scrubSecrets(text: string): string {
  return text.replace(TOKEN_SHAPED, "[redacted]");
}
