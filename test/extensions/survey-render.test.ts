/**
 * The survey extension rendered for real: its Thank you bundle (built by
 * extensions/build.mjs) runs in Chromium on a page standing in for Shopify's checkout,
 * with a fake `shopify` global (session token, order, translations) and minimal
 * stand-ins for the Polaris web components it uses. A buyer picks a score, writes a
 * comment and sends; the page's requests to the app are answered by the real /api/nps
 * route, so the answer ends up in the database.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page, type Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { closeSharedRateLimiters } from "../../app/extensions/rate-limit.server";
import { action, loader } from "../../app/routes/api.nps";
import { buildExtensions, EXTENSIONS_DIR } from "../../extensions/build.mjs";
import { domainOf, extensionToken, storeName } from "./tokens";

const CHECKOUT = "https://checkout.shop.test";
const store = storeName("nps-render");
const ORDER_ID = 9_300_000_001n;
const outRoot = join(EXTENSIONS_DIR, "..", "test-results", "extensions-render");
const english = readFileSync(
  join(EXTENSIONS_DIR, "nps-survey", "locales", "en.default.json"),
  "utf8",
);

/** Stand-ins for the few Polaris web components whose behaviour the survey relies on. */
const FAKE_COMPONENTS = `
class SChoiceList extends HTMLElement {
  #values = [];
  constructor() {
    super();
    this.addEventListener("click", (event) => {
      const choice = event.target.closest("s-choice");
      if (!choice) return;
      this.values = [choice.value];
      this.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
  get values() { return this.#values; }
  set values(values) {
    this.#values = [...values];
    for (const c of this.querySelectorAll("s-choice")) c.toggleAttribute("selected", this.#values.includes(c.value));
  }
}
class SChoice extends HTMLElement {
  get value() { return this.getAttribute("value") ?? ""; }
  set value(value) { this.setAttribute("value", value); }
}
class STextArea extends HTMLElement {
  #value = "";
  get value() { return this.#value; }
  set value(value) { this.#value = value ?? ""; }
}
class SButton extends HTMLElement {
  #disabled = false;
  constructor() {
    super();
    // Runs before the extension's own click listener: a disabled button does nothing.
    this.addEventListener("click", (event) => {
      if (this.#disabled || this.hasAttribute("loading")) event.stopImmediatePropagation();
    }, { capture: true });
  }
  get disabled() { return this.#disabled; }
  set disabled(value) { this.#disabled = Boolean(value); this.toggleAttribute("disabled", this.#disabled); }
}
customElements.define("s-choice-list", SChoiceList);
customElements.define("s-choice", SChoice);
customElements.define("s-text-area", STextArea);
customElements.define("s-button", SButton);
`;

function fakeShopify(token: string): string {
  return `
const messages = ${english};
const lookup = (key) => key.split(".").reduce((node, part) => node?.[part], messages);
globalThis.shopify = {
  extension: { target: "purchase.thank-you.block.render" },
  sessionToken: { get: async () => ${JSON.stringify(token)} },
  orderConfirmation: { value: { order: { id: "gid://shopify/Order/${ORDER_ID}" }, number: "K1" } },
  i18n: {
    translate: (key, options = {}) =>
      String(lookup(key) ?? key).replace(/{{(\\w+)}}/g, (_, name) => String(options[name] ?? "")),
  },
};`;
}

let browser: Browser;
let page: Page;
let bundle = "";
const appRequests: { method: string; authorization: string | null; body: string | null }[] = [];

/** Answers the page's requests to the app with the real route module. */
async function toApp(route: Route): Promise<void> {
  const request = route.request();
  const headers = await request.allHeaders();
  const forwarded = new Headers();
  for (const name of ["origin", "authorization", "content-type"]) {
    if (headers[name]) forwarded.set(name, headers[name]);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("access-control-request-")) forwarded.set(name, value);
  }
  const body = request.postData();
  appRequests.push({
    method: request.method(),
    authorization: forwarded.get("authorization"),
    body,
  });
  const remixRequest = new Request(request.url(), {
    method: request.method(),
    headers: forwarded,
    body: body ?? undefined,
  });
  const args = { request: remixRequest, params: {}, context: {} };
  const response = await (request.method() === "POST" ? action(args) : loader(args));
  await route.fulfill({
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: Buffer.from(await response.arrayBuffer()),
  });
}

beforeAll(async () => {
  await prisma.shop.create({ data: { domain: domainOf(store) } });
  const [built] = await buildExtensions({ names: ["nps-survey"], outRoot });
  bundle = readFileSync(
    built!.bundles.find((b) => b.module.endsWith("ThankYou.tsx"))!.file,
    "utf8",
  );
  const token = await extensionToken(store);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const context = await browser.newContext();
  await context.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    if (url.origin === process.env.SHOPIFY_APP_URL) return toApp(route);
    if (url.origin === CHECKOUT && url.pathname === "/thank-you") {
      return route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><html><head><meta charset="utf-8">
<script>${FAKE_COMPONENTS}</script>
<script>${fakeShopify(token)}</script>
<script type="module">import run from "/ThankYou.js"; await run(); window.rendered = true;</script>
</head><body></body></html>`,
      });
    }
    if (url.origin === CHECKOUT && url.pathname === "/ThankYou.js") {
      return route.fulfill({ contentType: "text/javascript", body: bundle });
    }
    return route.abort();
  });
  page = await context.newPage();
  await page.goto(`${CHECKOUT}/thank-you`);
  await page.waitForFunction(() => (window as { rendered?: boolean }).rendered === true);
});

afterAll(async () => {
  await browser?.close();
  await prisma.shop.deleteMany({ where: { domain: domainOf(store) } });
  closeSharedRateLimiters();
  await prisma.$disconnect();
});

const storedRows = () =>
  prisma.npsResponse.findMany({ where: { shop: { domain: domainOf(store) }, orderId: ORDER_ID } });

describe("the NPS survey on the Thank you page", () => {
  it("renders the question, eleven scores and a send button that waits for a score", async () => {
    await expect(page.locator("s-heading").textContent()).resolves.toBe(
      "How likely are you to recommend us to a friend?",
    );
    await expect(page.locator("s-choice").allTextContents()).resolves.toEqual(
      Array.from({ length: 11 }, (_, i) => String(i)),
    );
    await expect(page.locator("s-button").getAttribute("disabled")).resolves.toBe("");
    await page.locator("s-button").click();
    expect(appRequests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("submits the chosen score and comment with the session token", async () => {
    await page.locator('s-choice[value="9"]').click();
    await expect(page.locator("s-button").getAttribute("disabled")).resolves.toBeNull();
    await page.locator("s-text-area").evaluate((element: HTMLElement & { value: string }) => {
      element.value = "Fast delivery, lovely wrapping";
      element.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await page.locator("s-button").click();
    await page.locator('s-banner[tone="success"]').waitFor({ state: "attached" });
    await expect(page.locator("s-banner").getAttribute("heading")).resolves.toBe(
      "Thank you for your feedback!",
    );

    const post = appRequests.find((r) => r.method === "POST")!;
    expect(post.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.parse(post.body!)).toEqual({
      orderId: `gid://shopify/Order/${ORDER_ID}`,
      score: 9,
      comment: "Fast delivery, lovely wrapping",
      source: "thank-you",
    });
    const rows = await storedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      score: 9,
      comment: "Fast delivery, lovely wrapping",
      source: "thank-you",
    });
  });

  it("sends a changed score as an update of the same answer", async () => {
    await expect(page.locator("s-button").textContent()).resolves.toBe("Update my answer");
    await page.locator('s-choice[value="3"]').click();
    // A changed answer is not yet sent: the confirmation goes until it is.
    await expect(page.locator("s-banner").count()).resolves.toBe(0);
    await page.locator("s-button").click();
    await page.locator('s-banner[tone="success"]').waitFor({ state: "attached" });
    await expect.poll(async () => (await storedRows())[0]?.score).toBe(3);
    expect(await storedRows()).toHaveLength(1);
  });
});
