// Object storage standing in for Google Cloud Storage: bulk result files and staged uploads
// live in a temp directory and are reachable through signed, expiring URLs on GCS host names
// (the fetch redirect routes those hosts to the fake).
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import { tempRoot } from "../../setup/reaper.mjs";

export const RESULTS_HOST = "storage.googleapis.com";
export const RESULTS_BUCKET = "shopify-tiers-assets-prod-us-east1";
export const UPLOADS_HOST = "shopify-staged-uploads.storage.googleapis.com";
export const STORAGE_HOSTS = [RESULTS_HOST, UPLOADS_HOST];

export type UrlCheck =
  { ok: true; key: string } | { ok: false; status: number; code: string; message: string };

function googDate(sec: number): string {
  return new Date(sec * 1000)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function parseGoogDate(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  return (
    Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
    ) / 1000
  );
}

export function gcsError(code: string, message: string, details = ""): string {
  return `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message>${details ? `<Details>${details}</Details>` : ""}</Error>`;
}

export class FileStorage {
  readonly dir: string;
  private readonly secret: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.secret = randomUUID();
  }

  static async create(): Promise<FileStorage> {
    // In a test run, under the run's directory: removed even when the run is killed.
    return new FileStorage(await mkdtemp(join(tempRoot(), "fake-shopify-")));
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Absolute path of an object key (keys are relative, "/"-separated, no "..") . */
  pathOf(key: string): string {
    const clean = normalize(key).replace(/^(\.\.(\/|\\|$))+/, "");
    if (clean.startsWith("..") || clean.startsWith("/")) throw new Error(`bad object key ${key}`);
    return join(this.dir, clean);
  }

  async writer(key: string): Promise<WriteStream> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    return createWriteStream(path);
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch {
      return null;
    }
  }

  private sign(parts: string[]): string {
    return createHmac("sha256", this.secret).update(parts.join("\n")).digest("hex");
  }

  /** A V4-style signed GET URL for a result file, valid for `ttl` seconds from `now`. */
  resultUrl(key: string, now: number, ttl: number): string {
    const date = googDate(now);
    const path = `/${RESULTS_BUCKET}/${key}`;
    const signature = this.sign([path, date, String(ttl)]);
    const params = new URLSearchParams({
      "X-Goog-Algorithm": "GOOG4-RSA-SHA256",
      "X-Goog-Credential": `fake-shopify@shopify-tiers.iam.gserviceaccount.com/${date.slice(0, 8)}/auto/storage/goog4_request`,
      "X-Goog-Date": date,
      "X-Goog-Expires": String(ttl),
      "X-Goog-SignedHeaders": "host",
      "response-content-type": "application/jsonl",
      "X-Goog-Signature": signature,
    });
    return `https://${RESULTS_HOST}${path}?${params.toString()}`;
  }

  checkResultUrl(url: URL, now: number): UrlCheck {
    const prefix = `/${RESULTS_BUCKET}/`;
    if (!url.pathname.startsWith(prefix)) {
      return {
        ok: false,
        status: 404,
        code: "NoSuchBucket",
        message: "The specified bucket does not exist.",
      };
    }
    const date = url.searchParams.get("X-Goog-Date") ?? "";
    const ttl = url.searchParams.get("X-Goog-Expires") ?? "";
    const given = url.searchParams.get("X-Goog-Signature") ?? "";
    const expected = this.sign([url.pathname, date, ttl]);
    const signedAt = parseGoogDate(date);
    if (
      signedAt === null ||
      given.length !== expected.length ||
      !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
    ) {
      return { ok: false, status: 403, code: "SignatureDoesNotMatch", message: "Access denied." };
    }
    if (now > signedAt + Number(ttl)) {
      return { ok: false, status: 400, code: "ExpiredToken", message: "Invalid argument." };
    }
    return { ok: true, key: decodeURIComponent(url.pathname.slice(prefix.length)) };
  }

  /** Form fields of a staged upload (POST policy), as stagedUploadsCreate returns them. */
  uploadTarget(
    key: string,
    mimeType: string,
    now: number,
    ttl: number,
  ): Array<{ name: string; value: string }> {
    const date = googDate(now);
    const policy = Buffer.from(
      JSON.stringify({
        conditions: [
          { "Content-Type": mimeType },
          { success_action_status: "201" },
          { acl: "private" },
          { key },
        ],
        expiration: new Date((now + ttl) * 1000).toISOString(),
      }),
    ).toString("base64");
    return [
      { name: "Content-Type", value: mimeType },
      { name: "success_action_status", value: "201" },
      { name: "acl", value: "private" },
      { name: "key", value: key },
      { name: "x-goog-date", value: date },
      {
        name: "x-goog-credential",
        value: `fake-shopify@shopify-staged-uploads.iam.gserviceaccount.com/${date.slice(0, 8)}/auto/storage/goog4_request`,
      },
      { name: "x-goog-algorithm", value: "GOOG4-RSA-SHA256" },
      { name: "x-goog-signature", value: this.sign([policy]) },
      { name: "policy", value: policy },
    ];
  }

  /** Checks a POST-policy upload's fields; returns the key to store under. */
  checkUpload(fields: Map<string, string>, now: number): UrlCheck {
    const policy = fields.get("policy") ?? "";
    const signature = fields.get("x-goog-signature") ?? "";
    if (this.sign([policy]) !== signature) {
      return { ok: false, status: 403, code: "SignatureDoesNotMatch", message: "Access denied." };
    }
    let decoded: { expiration?: string; conditions?: Array<Record<string, string>> };
    try {
      decoded = JSON.parse(Buffer.from(policy, "base64").toString("utf8")) as typeof decoded;
    } catch {
      return {
        ok: false,
        status: 400,
        code: "InvalidPolicyDocument",
        message: "Invalid policy document.",
      };
    }
    const expiration = Date.parse(decoded.expiration ?? "") / 1000;
    if (!(now <= expiration))
      return { ok: false, status: 400, code: "ExpiredToken", message: "Invalid argument." };
    const key = decoded.conditions?.find((c) => "key" in c)?.key;
    if (!key || fields.get("key") !== key) {
      return {
        ok: false,
        status: 403,
        code: "AccessDenied",
        message: "Policy does not allow this key.",
      };
    }
    return { ok: true, key };
  }
}
